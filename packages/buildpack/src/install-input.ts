// From the chosen dependency source to what uv installs: a lock is exported by its own tool
// (uv export for uv.lock, Poetry's export plugin for poetry.lock), with hashes and markers, into
// a requirements file outside every layer; pyproject.toml and requirements.txt go to uv as they
// are. Nothing of the project itself is installed: the function imports it from the app dir.
import * as path from "node:path";
import type { DependencySource } from "./dependency-source";
import { BuildpackError } from "./errors";
import type { FileSystem, Runner } from "./io";
import type { InstallInput } from "./layers/dependencies";
import type { Logger } from "./log";
import { errors, log as text } from "./messages";
import type { PythonInfo, Uv } from "./python";
import { includedFiles } from "./requirements";

export interface ExportContext {
  appDir: string;
  /** Outside every layer: exports and tool state live here for one build. */
  workDir: string;
  fs: FileSystem;
  runner: Runner;
  logger: Logger;
  python: PythonInfo;
  uv: Uv;
  /** The unpacked Poetry (PYTHONPATH), found only when a poetry.lock needs it. */
  poetry: () => string;
  uvEnv: Record<string, string>;
}

export const VENDOR_DIR = "vendor";
/** uv says this (and exits 2) when --locked finds the lock stale. */
const UV_LOCK_STALE = /needs to be updated, but `--locked` was provided/;
/** Poetry's export refuses a stale lock with this line. */
const POETRY_LOCK_STALE = /pyproject\.toml changed significantly since poetry\.lock was last generated/;

async function run(ctx: ExportContext, argv: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { cwd: ctx.appDir, env });
  ctx.logger.output(result.output);
  return result;
}

/** Pure: the uv export of a uv project: the default dependencies only, as locked, with hashes. */
export function uvExportArgs(uv: Uv, python: PythonInfo, output: string): string[] {
  return [
    // Not --offline: a lock that matches pyproject.toml is checked without the network anyway,
    // and uv tells a stale lock from a broken one only by resolving it (offline, with an empty
    // cache, a stale lock fails as "not found in the cache" instead of "run uv lock").
    uv.executable, "export", "--locked", "--python", python.executable,
    // [project] dependencies only: no dev or other groups, no extras, not the project itself.
    "--no-default-groups", "--no-emit-project", "--format", "requirements-txt", "--no-header", "--output-file", output,
    // Errors still print; without it uv also prints the whole export to the log.
    "--quiet",
  ];
}

/** Pure: Poetry's export of the main group, as locked, with hashes. */
export function poetryExportArgs(python: PythonInfo, output: string): string[] {
  return [python.executable, "-m", "poetry", "export", "--no-interaction", "--no-ansi", "--only", "main", "--format", "requirements.txt", "--output", output];
}

export async function installInput(ctx: ExportContext, source: DependencySource): Promise<InstallInput> {
  const vendor = vendoredWheels(ctx);
  const input = await fromSource(ctx, source, vendor?.dir);
  // Vendored wheels are inputs too: a new wheel under the same requirements reinstalls.
  return vendor === undefined ? input : { ...input, keyText: `${input.keyText}\n${VENDOR_DIR}/: ${vendor.wheels.join(" ")}` };
}

async function fromSource(ctx: ExportContext, source: DependencySource, vendorDir: string | undefined): Promise<InstallInput> {
  switch (source.kind) {
    case "none":
      return { source: "none", requirementsFile: undefined, keyText: "", vendorDir };
    case "requirements.txt": {
      const file = path.join(ctx.appDir, "requirements.txt");
      return { source: source.kind, requirementsFile: file, keyText: requirementsKeyText(ctx.fs, file), vendorDir };
    }
    case "pyproject.toml":
      // uv reads [project] dependencies from the file itself; the key is those strings alone,
      // so a change to [tool.ruff] installs nothing.
      return { source: source.kind, requirementsFile: path.join(ctx.appDir, "pyproject.toml"), keyText: JSON.stringify(source.dependencies), vendorDir };
    case "uv.lock":
      return exportLock(ctx, source.kind, "uv-export.txt", vendorDir, (output) => ({ argv: uvExportArgs(ctx.uv, ctx.python, output), env: ctx.uvEnv }));
    case "poetry.lock":
      return exportLock(ctx, source.kind, "poetry-export.txt", vendorDir, (output) => {
        const state = path.join(ctx.workDir, "poetry");
        const env = {
          PYTHONPATH: ctx.poetry(),
          PYTHONDONTWRITEBYTECODE: "1",
          // Poetry's config, cache and data outside the app and every layer; no keyring prompts.
          POETRY_CONFIG_DIR: path.join(state, "config"),
          POETRY_CACHE_DIR: path.join(state, "cache"),
          POETRY_DATA_DIR: path.join(state, "data"),
          PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
          POETRY_VIRTUALENVS_CREATE: "false",
        };
        return { argv: poetryExportArgs(ctx.python, output), env };
      });
  }
}

/** How each lock's own tool says the lock is stale, and the error the build gives then. */
const STALE: Record<"uv.lock" | "poetry.lock", { said: RegExp; error: (output: string) => string }> = {
  "uv.lock": { said: UV_LOCK_STALE, error: errors.uvLockOutdated },
  "poetry.lock": { said: POETRY_LOCK_STALE, error: errors.poetryLockOutdated },
};

/** Runs the lock's exporter into the work dir; the export is both what uv installs and the key. */
async function exportLock(
  ctx: ExportContext,
  lock: "uv.lock" | "poetry.lock",
  fileName: string,
  vendorDir: string | undefined,
  command: (output: string) => { argv: string[]; env: Record<string, string> },
): Promise<InstallInput> {
  const output = path.join(ctx.workDir, fileName);
  const { argv, env } = command(output);
  const result = await run(ctx, argv, env);
  if (result.code !== 0) {
    const said = result.output.trim();
    throw STALE[lock].said.test(said)
      ? new BuildpackError("lock-outdated", STALE[lock].error(said))
      : new BuildpackError("lock-export-failed", errors.lockExportFailed(lock, said));
  }
  return { source: lock, requirementsFile: output, keyText: ctx.fs.readFile(output).toString("utf8"), vendorDir };
}

/**
 * The text the cache key hashes for a requirements file: its content (so the logged sha256 is
 * `sha256sum requirements.txt`) and, after it, every file it pulls in with -r/-c (relative to
 * the including file), so a change to constraints.txt reinstalls too.
 */
export function requirementsKeyText(fs: FileSystem, file: string): string {
  const seen = new Set<string>([file]);
  const content = fs.readFile(file).toString("utf8");
  return content + includedText(fs, file, content, seen);
}

function includedText(fs: FileSystem, file: string, content: string, seen: Set<string>): string {
  let text = "";
  for (const included of includedFiles(content)) {
    const target = path.resolve(path.dirname(file), included);
    if (seen.has(target)) continue;
    seen.add(target);
    if (fs.kind(target) !== "file") {
      text += `\n-- ${included}: missing\n`;
      continue;
    }
    const inner = fs.readFile(target).toString("utf8");
    text += `\n-- ${included}\n${inner}${includedText(fs, target, inner, seen)}`;
  }
  return text;
}

/** `vendor/` with wheels: uv installs from it (and the buildpack's wheels) with no index at all. */
function vendoredWheels(ctx: ExportContext): { dir: string; wheels: string[] } | undefined {
  const dir = path.join(ctx.appDir, VENDOR_DIR);
  if (ctx.fs.kind(dir) !== "dir") return undefined;
  const wheels = ctx.fs.readdir(dir).filter((name) => name.endsWith(".whl"));
  if (wheels.length === 0) return undefined;
  ctx.logger.info(text.vendor(`${VENDOR_DIR}/`, wheels.length));
  return { dir, wheels };
}
