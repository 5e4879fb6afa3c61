// Layer `dependencies` (launch + cache): ONE virtualenv holding the function's dependencies and
// the runtime invoker, installed by uv in one resolve, so that a conflict between the two fails
// the build rather than the first request.
//
// Every source becomes a requirements input first: a lock is exported by its own tool (uv
// export, Poetry's export plugin) with its hashes, pyproject.toml and requirements.txt are
// given to uv as they are. The cache key is the content of that input, so a lock change that
// does not change what is installed (a dev dependency) reinstalls nothing.
import { createHash } from "node:crypto";
import * as path from "node:path";
import { discardLayer, freshLayer, layerDir, readLayerMetadata, writeLayerToml, type LayerMetadata } from "../cnb/layer";
import { writeEnv } from "../cnb/env";
import type { DependencySource } from "../dependency-source";
import { BuildpackError } from "../errors";
import type { FileSystem, Runner } from "../io";
import type { Logger } from "../log";
import { errors, log as text, reasons } from "../messages";
import type { PythonInfo, Uv, Wheelhouse } from "../python";

export const DEPENDENCIES_LAYER = "dependencies";
/** Bump when the layer's contents change shape, so old caches are not reused. */
export const LAYER_FORMAT = "3"; // 3: made by uv (2: pip, venv --without-pip; 1 had pip and setuptools)

export type CacheKey = {
  format: string;
  source: string;
  inputs_sha256: string;
  python_version: string;
  invoker_version: string;
  /** Wheelhouse.digest: the runtime's wheels, which can change under the same invoker version. */
  runtime_sha256: string;
  uv_version: string;
  arch: string;
};

/**
 * What uv installs besides the invoker: the file given to `uv pip install -r` (undefined: no
 * user dependencies, installed offline), and the text the cache key hashes.
 */
export interface InstallInput {
  source: DependencySource["kind"];
  requirementsFile: string | undefined;
  keyText: string;
  /** `vendor/` of wheels in the app: installed from it with no index at all. */
  vendorDir: string | undefined;
}

export function sha256(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}

export function cacheKey(input: InstallInput, python: PythonInfo, wheelhouse: Wheelhouse, uv: Uv, arch: string): CacheKey {
  return {
    format: LAYER_FORMAT,
    source: input.source,
    inputs_sha256: sha256(input.keyText),
    python_version: python.version,
    invoker_version: wheelhouse.invokerVersion,
    runtime_sha256: wheelhouse.digest,
    uv_version: uv.version,
    arch,
  };
}

/** Pure: every reason the cached layer cannot be reused; empty means reuse it. */
export function cacheInvalidationReasons(cached: LayerMetadata | undefined, wanted: CacheKey): string[] {
  if (cached === undefined) return [reasons.noCache];
  const found: string[] = [];
  const was = (key: keyof CacheKey) => cached[key] ?? "";
  if (was("format") !== wanted.format) found.push(reasons.formatChanged(was("format") || "none", wanted.format));
  if (was("source") !== wanted.source) {
    found.push(reasons.sourceChanged(was("source") || "none", wanted.source));
  } else if (was("inputs_sha256") !== wanted.inputs_sha256) {
    found.push(reasons.inputsChanged(wanted.source, was("inputs_sha256"), wanted.inputs_sha256));
  }
  if (was("python_version") !== wanted.python_version) found.push(reasons.pythonChanged(was("python_version") || "none", wanted.python_version));
  if (was("invoker_version") !== wanted.invoker_version) {
    found.push(reasons.invokerChanged(was("invoker_version") || "none", wanted.invoker_version));
  } else if (was("runtime_sha256") !== wanted.runtime_sha256) {
    found.push(reasons.runtimeChanged(was("runtime_sha256"), wanted.runtime_sha256));
  }
  if (was("uv_version") !== wanted.uv_version) found.push(reasons.uvChanged(was("uv_version") || "none", wanted.uv_version));
  if (was("arch") !== wanted.arch) found.push(reasons.archChanged(was("arch") || "none", wanted.arch));
  return found;
}

export interface DependenciesContext {
  layersDir: string;
  appDir: string;
  fs: FileSystem;
  runner: Runner;
  logger: Logger;
  python: PythonInfo;
  wheelhouse: Wheelhouse;
  uv: Uv;
  input: InstallInput;
  /** The invoker pinned by version and hash (a file outside every layer). */
  runtimeRequirementsFile: string;
  arch: string;
  /** uv's environment for this build (index settings, CA bundle, cache dir); not in the cache key. */
  uvEnv: Record<string, string>;
  /** --find-links from the build's settings (UV_FIND_LINKS, PIP_FIND_LINKS). */
  findLinks: string[];
  /** --no-index from PIP_NO_INDEX. */
  noIndex: boolean;
}

export interface Venv {
  dir: string;
  python: string;
  reused: boolean;
}

const QUIET_PYTHON = { PYTHONDONTWRITEBYTECODE: "1" };

async function step(ctx: DependenciesContext, argv: string[], cwd: string, fail: (output: string) => BuildpackError, env: Record<string, string> = {}): Promise<void> {
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { env: { ...QUIET_PYTHON, ...env }, cwd });
  ctx.logger.output(result.output);
  if (result.code !== 0) throw fail(result.output.trim());
}

/** Pure: the one `uv pip install` of the invoker and the function's dependencies. */
export function uvInstallArgs(
  uv: Uv,
  venvPython: string,
  wheelhouse: Wheelhouse,
  input: InstallInput,
  runtimeRequirementsFile: string,
  findLinks: string[] = [],
  noIndex = false,
): string[] {
  const offline = input.requirementsFile === undefined || input.vendorDir !== undefined;
  return [
    uv.executable, "pip", "install", "--python", venvPython,
    // Copies, not links into uv's cache: the cache is gone after the build.
    "--link-mode", "copy",
    // Nothing to fetch (only the buildpack's wheels), or the app vendors its wheels.
    ...(offline ? ["--offline", "--no-index"] : noIndex ? ["--no-index"] : []),
    ...(input.vendorDir === undefined ? [] : ["--find-links", input.vendorDir]),
    ...findLinks.flatMap((location) => ["--find-links", location]),
    "--find-links", wheelhouse.dir,
    "--requirement", runtimeRequirementsFile,
    ...(input.requirementsFile === undefined ? [] : ["--requirement", input.requirementsFile]),
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
  const wanted = cacheKey(ctx.input, ctx.python, ctx.wheelhouse, ctx.uv, ctx.arch);
  const cached = readLayerMetadata(ctx.fs, ctx.layersDir, DEPENDENCIES_LAYER);
  let found = cacheInvalidationReasons(cached, wanted);
  if (found.length === 0 && ctx.fs.kind(venvPython) === undefined) found = [reasons.noVenv];
  const types = { launch: true, build: false, cache: true };

  if (found.length === 0) {
    ctx.logger.info(text.cacheReused(ctx.input.source));
  } else {
    ctx.logger.info(text.cacheRebuild);
    for (const reason of found) ctx.logger.info(text.cacheReason(reason));
    // No toml until the install succeeded: a failed build leaves nothing to restore.
    freshLayer(ctx.fs, ctx.layersDir, DEPENDENCIES_LAYER);
    try {
      // No pip, no setuptools: uv seeds nothing unless asked.
      await step(ctx, [ctx.uv.executable, "venv", "--python", ctx.python.executable, "--no-project", "--no-config", venv], ctx.layersDir, (o) => new BuildpackError("venv-failed", errors.venvFailed(o)), ctx.uvEnv);
      ctx.logger.info(text.uv(ctx.uv.version));
      // From the app directory: uv reads the project's own [tool.uv] index settings there.
      await step(
        ctx,
        uvInstallArgs(ctx.uv, venvPython, ctx.wheelhouse, ctx.input, ctx.runtimeRequirementsFile, ctx.findLinks, ctx.noIndex),
        ctx.appDir,
        (o) => new BuildpackError("install-failed", errors.installFailed(ctx.input.source, o)),
        ctx.uvEnv,
      );
      // Hash-based pycs: the same bytes every build, and no stat of the source at import.
      await step(
        ctx,
        [venvPython, "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode", "unchecked-hash", path.join(venv, "lib")],
        ctx.layersDir,
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
