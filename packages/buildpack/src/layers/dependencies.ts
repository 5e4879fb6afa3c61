// Layer `dependencies` (launch + cache): ONE virtualenv holding the user's requirements and
// the runtime invoker, installed in one pip resolve so that a conflict between the two fails
// the build with pip's message rather than the first request.
import { createHash } from "node:crypto";
import * as path from "node:path";
import { discardLayer, freshLayer, layerDir, readLayerMetadata, writeLayerToml, type LayerMetadata } from "../cnb/layer";
import { writeEnv } from "../cnb/env";
import { BuildpackError } from "../errors";
import type { FileSystem, Runner } from "../io";
import type { Logger } from "../log";
import { errors, log as text, reasons } from "../messages";
import type { Pip, PythonInfo, Wheelhouse } from "../python";

export const DEPENDENCIES_LAYER = "dependencies";
/** Bump when the layer's contents change shape, so old caches are not reused. */
export const LAYER_FORMAT = "2"; // 2: venv --without-pip (1 had pip and setuptools)

export type CacheKey = {
  format: string;
  requirements_sha256: string;
  python_version: string;
  invoker_version: string;
  pip_version: string;
  arch: string;
};

export interface Requirements {
  /** Absolute path, or undefined when there is no requirements.txt. */
  file: string | undefined;
  content: string;
}

/**
 * Pure: the lines of requirements.txt that ask pip for something (not blank, not a comment).
 * A file of only comments is no requirements: installed offline with --no-index, like an
 * empty one (a template's explanatory comment must not make the build ask an index).
 */
export function requirementLines(content: string): string[] {
  return content.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
}

export function requirementsSha256(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}

export function cacheKey(requirements: Requirements, python: PythonInfo, wheelhouse: Wheelhouse, pip: Pip, arch: string): CacheKey {
  return {
    format: LAYER_FORMAT,
    requirements_sha256: requirementsSha256(requirements.content),
    python_version: python.version,
    invoker_version: wheelhouse.invokerVersion,
    pip_version: pip.version,
    arch,
  };
}

/** Pure: every reason the cached layer cannot be reused; empty means reuse it. */
export function cacheInvalidationReasons(cached: LayerMetadata | undefined, wanted: CacheKey): string[] {
  if (cached === undefined) return [reasons.noCache];
  const found: string[] = [];
  const was = (key: keyof CacheKey) => cached[key] ?? "";
  if (was("format") !== wanted.format) found.push(reasons.formatChanged(was("format") || "none", wanted.format));
  if (was("requirements_sha256") !== wanted.requirements_sha256) {
    found.push(reasons.requirementsChanged(was("requirements_sha256"), wanted.requirements_sha256));
  }
  if (was("python_version") !== wanted.python_version) found.push(reasons.pythonChanged(was("python_version") || "none", wanted.python_version));
  if (was("invoker_version") !== wanted.invoker_version) {
    found.push(reasons.invokerChanged(was("invoker_version") || "none", wanted.invoker_version));
  }
  if (was("pip_version") !== wanted.pip_version) found.push(reasons.pipChanged(was("pip_version") || "none", wanted.pip_version));
  if (was("arch") !== wanted.arch) found.push(reasons.archChanged(was("arch") || "none", wanted.arch));
  return found;
}

export interface DependenciesContext {
  layersDir: string;
  fs: FileSystem;
  runner: Runner;
  logger: Logger;
  python: PythonInfo;
  wheelhouse: Wheelhouse;
  pip: Pip;
  requirements: Requirements;
  arch: string;
  /** Added to pip's environment (PIP_CERT from a ca-certificates binding); not in the cache key. */
  pipEnv: Record<string, string>;
}

export interface Venv {
  dir: string;
  python: string;
  reused: boolean;
}

const QUIET_PYTHON = { PYTHONDONTWRITEBYTECODE: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };

async function step(
  ctx: DependenciesContext,
  argv: string[],
  fail: (output: string) => BuildpackError,
  env: Record<string, string> = {},
): Promise<void> {
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { env: { ...QUIET_PYTHON, ...env }, cwd: ctx.layersDir });
  ctx.logger.output(result.output);
  if (result.code !== 0) throw fail(result.output.trim());
}

export function pipInstallArgs(venvPython: string, wheelhouse: Wheelhouse, requirements: Requirements): string[] {
  const userFile = requirementLines(requirements.content).length > 0 ? requirements.file : undefined;
  return [
    venvPython, "-m", "pip", "install", "--no-compile",
    // With no user requirements everything comes from the buildpack: do not ask an index.
    ...(userFile === undefined ? ["--no-index"] : []),
    "--find-links", wheelhouse.dir,
    "--constraint", wheelhouse.constraints,
    `kn-fn-invoker==${wheelhouse.invokerVersion}`,
    ...(userFile === undefined ? [] : ["--requirement", userFile]),
  ];
}

/** A check after the install refused the environment: leave nothing a later build could restore. */
export function discardDependencies(fs: FileSystem, layersDir: string): void {
  discardLayer(fs, layersDir, DEPENDENCIES_LAYER);
}

export async function installDependencies(ctx: DependenciesContext): Promise<Venv> {
  const layer = layerDir(ctx.layersDir, DEPENDENCIES_LAYER);
  const venv = path.join(layer, "venv");
  const venvPython = path.join(venv, "bin", "python");
  const wanted = cacheKey(ctx.requirements, ctx.python, ctx.wheelhouse, ctx.pip, ctx.arch);
  const cached = readLayerMetadata(ctx.fs, ctx.layersDir, DEPENDENCIES_LAYER);
  let found = cacheInvalidationReasons(cached, wanted);
  if (found.length === 0 && ctx.fs.kind(venvPython) === undefined) found = [reasons.noVenv];
  const types = { launch: true, build: false, cache: true };

  if (found.length === 0) {
    ctx.logger.info(text.cacheReused);
  } else {
    ctx.logger.info(text.cacheRebuild);
    for (const reason of found) ctx.logger.info(text.cacheReason(reason));
    // No toml until the install succeeded: a failed build leaves nothing to restore.
    freshLayer(ctx.fs, ctx.layersDir, DEPENDENCIES_LAYER);
    try {
      await step(ctx, [ctx.python.executable, "-m", "venv", "--without-pip", venv], (o) => new BuildpackError("venv-failed", errors.venvFailed(o)));
      ctx.logger.info(text.pip(ctx.pip.version));
      // The venv's python with the buildpack's pip on PYTHONPATH installs into the venv
      // (sys.prefix); pip's own build-isolation subprocesses find pip by its location.
      await step(
        ctx,
        pipInstallArgs(venvPython, ctx.wheelhouse, ctx.requirements),
        (o) => new BuildpackError("pip-failed", errors.pipFailed(o)),
        { ...ctx.pipEnv, PYTHONPATH: ctx.pip.path },
      );
      // Hash-based pycs: the same bytes every build, and no stat of the source at import.
      await step(
        ctx,
        [venvPython, "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode", "unchecked-hash", path.join(venv, "lib")],
        (o) => new BuildpackError("compile-failed", errors.compileFailed(o)),
      );
    } catch (error) {
      ctx.fs.remove(layer);
      throw error;
    }
  }
  writeEnv(ctx.fs, layer, [
    { scope: "env.launch", name: "VIRTUAL_ENV", action: "override", value: venv },
    { scope: "env.launch", name: "PATH", action: "prepend", value: path.join(venv, "bin"), delim: ":" },
  ]);
  writeLayerToml(ctx.fs, ctx.layersDir, DEPENDENCIES_LAYER, { types, metadata: { ...wanted } });
  return { dir: venv, python: venvPython, reused: found.length === 0 };
}
