// Native code checked against the run image: every shared library an installed ELF file
// links must be in the run image or shipped inside the installed packages. The import check
// runs in the build image, which has libraries (libstdc++, libmpfr, ...) the run image may
// not, so without this a build passes and every request fails.
import * as path from "node:path";
import { BuildpackError } from "./errors";
import type { FileSystem, Runner } from "./io";
import type { Logger } from "./log";
import { errors, log as text } from "./messages";

/**
 * Where kn-fn-builder writes the run image's shared objects into the build image
 * (packages/builder src/stack/run-libraries.ts). KN_FN_RUN_IMAGE_LIBRARIES names another
 * file, for a builder whose run image is described elsewhere.
 */
export const RUN_LIBRARIES_PATH = "/usr/share/kn-fn/run-image-libraries.json";
export const RUN_LIBRARIES_ENV = "KN_FN_RUN_IMAGE_LIBRARIES";

export interface MissingLibrary {
  distribution: string | null;
  file: string;
  library: string;
}

interface LinkageReport {
  checked: number;
  missing: MissingLibrary[];
}

/** The checker and the pinned pyelftools it imports, both inside the buildpack. */
export function linkageTool(fs: FileSystem, buildpackDir: string): { script: string; pythonPath: string } {
  const script = path.join(buildpackDir, "python", "kn_fn_linkage.py");
  const pythonPath = path.join(buildpackDir, "elftools");
  if (fs.kind(script) !== "file" || fs.kind(path.join(pythonPath, "elftools", "__init__.py")) !== "file") {
    throw new BuildpackError("wheelhouse-broken", errors.linkageToolMissing(buildpackDir));
  }
  return { script, pythonPath };
}

export async function checkNativeLibraries(
  ctx: { fs: FileSystem; runner: Runner; logger: Logger; buildpackDir: string; runLibrariesFile: string },
  venv: { dir: string; python: string },
  systemPackages: string | undefined,
): Promise<void> {
  if (ctx.fs.kind(ctx.runLibrariesFile) !== "file") {
    ctx.logger.info(text.nativeNotChecked(ctx.runLibrariesFile));
    return;
  }
  const tool = linkageTool(ctx.fs, ctx.buildpackDir);
  const argv = [venv.python, tool.script, "--env", venv.dir, "--run-libraries", ctx.runLibrariesFile, ...(systemPackages ? ["--also", systemPackages] : [])];
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { env: { PYTHONPATH: tool.pythonPath, PYTHONDONTWRITEBYTECODE: "1" } });
  let report: LinkageReport;
  try {
    if (result.code !== 0) throw new Error("exit");
    report = JSON.parse(result.stdout.trim().split("\n").pop() ?? "") as LinkageReport;
    if (typeof report.checked !== "number" || !Array.isArray(report.missing)) throw new Error("shape");
  } catch {
    throw new BuildpackError("check-failed", errors.linkageUnreadable(result.output.trim()));
  }
  if (report.missing.length > 0) throw new BuildpackError("native-library-missing", errors.nativeLibraryMissing(report.missing));
  ctx.logger.info(text.nativeChecked(report.checked));
}
