// build: analyse everything first and fail early, then one call per layer.
import * as os from "node:os";
import * as path from "node:path";
import { pipCaEnvironment } from "./bindings";
import { renderLaunchToml, type Process } from "./cnb/launch";
import { renderCycloneDx, type Distribution } from "./cnb/sbom";
import { BuildpackError } from "./errors";
import { readHandlerSetting, readPlatformEnv, resolveFunctionTarget, type FunctionTarget } from "./function-target";
import type { FileSystem, Runner } from "./io";
import { chooseDependencySource, readDependencyFiles, SOURCE_SETTING, type DependencySource } from "./dependency-source";
import { installInput } from "./install-input";
import { DEPENDENCIES_LAYER, discardDependencies, installDependencies, type Venv } from "./layers/dependencies";
import { indexSettings, readIndexBindings, type IndexSettings } from "./package-index";
import { redactError, redactingLogger, redactor } from "./redact";
import { requirementLines } from "./requirements";
import { checkRuntimeCompatible, readRuntimeRequirements, type RuntimeRequirements } from "./runtime-requirements";
import { writeFunctionLayer } from "./layers/function";
import { checkNativeLibraries } from "./native-libraries";
import { sideBySide, type Step } from "./side-by-side";
import { installSystemPackages, readSystemPackages, type SystemPackages } from "./layers/system-packages";
import type { Logger } from "./log";
import { errors, log as text } from "./messages";
import { findPoetry, findPython, findUv, findWheelhouse, runCheck, type CheckResult, type PythonInfo, type Uv, type Wheelhouse } from "./python";

export interface BuildContext {
  appDir: string;
  layersDir: string;
  platformDir: string;
  buildpackDir: string;
  /** The run image's shared objects, as kn-fn-builder lists them in the build image. */
  runLibrariesFile: string;
  /** The run image's dpkg status, written into the build image by kn-fn-builder. */
  runDpkgStatusFile: string;
  /** CNB_TARGET_ARCH, part of the cache key. */
  arch: string;
  /** The build's environment (platform env included: the lifecycle's clear-env is false). */
  env: Readonly<Record<string, string | undefined>>;
  fs: FileSystem;
  runner: Runner;
  logger: Logger;
}

export interface Analysis {
  target: FunctionTarget;
  python: PythonInfo;
  wheelhouse: Wheelhouse;
  uv: Uv;
  runtime: RuntimeRequirements;
  signature: CheckResult;
  source: DependencySource;
  /** uv's environment: index settings, the CA bundle, a cache outside every layer. */
  uvEnv: Record<string, string>;
  findLinks: string[];
  noIndex: boolean;
  /** Debian packages from project.toml [com.kn-fn.system-packages]. */
  systemPackages: string[];
}

const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: "1" };
/** Outside every layer: a binding's certificates, lock exports and uv's cache stay out of the image. */
export const WORK_DIR = path.join(os.tmpdir(), "kn-fn-python-function");
export const CA_BUNDLE_FILE = path.join(WORK_DIR, "ca-bundle.pem");
/** Not compiled in the app dir: hidden directories (.git, .venv), node_modules, caches. */
const APP_COMPILE_EXCLUDE = "/(\\.[^/]*|node_modules|__pycache__)(/|$)";

export async function build(context: BuildContext): Promise<void> {
  // Every credential the build can see is masked in everything it prints, errors included.
  const bindings = readIndexBindings(context.fs, context.platformDir);
  const index = indexSettings(context.env, bindings.bindings, bindings.secrets);
  const redact = redactor(index.secrets);
  const ctx = { ...context, logger: redactingLogger(context.logger, redact) };
  try {
    await buildSteps(ctx, index);
  } catch (error) {
    throw redactError(error, redact);
  }
}

async function buildSteps(ctx: BuildContext, index: IndexSettings): Promise<void> {
  ctx.logger.header(text.headerAnalyse);
  const analysis = await analyse(ctx, index);

  if (analysis.systemPackages.length > 0) ctx.logger.header(text.headerSystemPackages);
  const system = await installSystemPackages({ ...ctx, runDpkgStatus: ctx.runDpkgStatusFile }, analysis.systemPackages);

  ctx.logger.header(text.headerDependencies);
  const input = await installInput(
    { ...ctx, workDir: WORK_DIR, python: analysis.python, uv: analysis.uv, poetry: () => findPoetry(ctx.fs, ctx.buildpackDir), uvEnv: analysis.uvEnv },
    analysis.source,
  );
  // Before anything is installed: a locked version the runtime cannot run with.
  const pinned = analysis.source.kind === "pyproject.toml" ? analysis.source.dependencies.join("\n") : input.keyText;
  checkRuntimeCompatible(pinned, analysis.runtime, analysis.source.kind, analysis.python.version);
  const runtimeRequirementsFile = writeRuntimeRequirements(ctx.fs, analysis.wheelhouse, analysis.runtime);
  const venv = await installDependencies({ ...ctx, ...analysis, input, runtimeRequirementsFile });

  // The four steps after the install only read the venv (the bytecode step writes the app's
  // pycs, which the import check validates against their sources), so they run side by side.
  let nativeFailed = false;
  const native: Step = async (logger) => {
    logger.header(text.headerNativeLibraries);
    try {
      await checkNativeLibraries({ ...ctx, logger }, venv, system.root);
    } catch (error) {
      nativeFailed = true;
      throw error;
    }
  };
  try {
    await sideBySide(ctx.logger, [
      native,
      async (logger) => {
        logger.header(text.headerImportCheck);
        await checkImport({ ...ctx, logger }, venv, analysis.target, system);
      },
      async (logger) => {
        logger.header(text.headerBytecode);
        await compileApp({ ...ctx, logger }, venv);
      },
      async (logger) => {
        logger.header(text.headerSbom);
        await writeSbom({ ...ctx, logger }, venv);
      },
    ]);
  } catch (error) {
    // Native code the run image cannot load: leave nothing a later build could restore.
    if (nativeFailed) discardDependencies(ctx.fs, ctx.layersDir);
    throw error;
  }

  ctx.logger.header(text.headerLaunch);
  writeFunctionLayer(ctx.fs, ctx.layersDir, analysis.target.value);
  writeLaunch(ctx, venv, analysis.target);
  ctx.logger.info(text.done);
}

export async function analyse(ctx: BuildContext, index: IndexSettings): Promise<Analysis> {
  const target = resolveFunctionTarget(ctx.fs, ctx.appDir, readHandlerSetting(ctx.fs, ctx.platformDir));
  ctx.logger.info(text.handler(target.value, target.source));
  const python = await findPython(ctx.runner);
  ctx.logger.info(text.python(python.version, python.executable));
  const wheelhouse = findWheelhouse(ctx.fs, ctx.buildpackDir);
  const runtime = readRuntimeRequirements(ctx.fs, wheelhouse.dir);
  const uv = await findUv(ctx.fs, ctx.runner, ctx.buildpackDir);
  // The invoker's own wheel is importable as a zip: its static check needs no dependencies.
  const argv = [python.executable, "-m", "kn_fn_invoker", "check", "--static", "--json", "--dir", ctx.appDir, "--handler", target.value];
  ctx.logger.command(argv);
  const signature = await runCheck(ctx.runner, argv, { ...NO_BYTECODE, PYTHONPATH: wheelhouse.invokerWheel }, ctx.appDir);
  ctx.logger.info(text.signature(signature.mode, signature.parameters, signature.async, signature.app));
  const source = readDependencySource(ctx);
  const systemPackages = readSystemPackages(ctx.fs, ctx.appDir);
  if (systemPackages.length > 0) ctx.logger.info(text.systemPackagesRequested(systemPackages));
  const ca = pipCaEnvironment(ctx.fs, ctx.platformDir, CA_BUNDLE_FILE);
  const files = ca.bindings.reduce((n, b) => n + b.files.length, 0);
  if (files > 0) ctx.logger.info(text.caBindings(ca.bindings.map((b) => b.name), files));
  for (const note of index.notes) ctx.logger.info(text.indexSetting(note));
  const uvEnv = {
    ...ca.env,
    ...index.env,
    UV_CACHE_DIR: path.join(WORK_DIR, "uv-cache"),
    UV_PYTHON_DOWNLOADS: "never",
    // The build image's CA store (as pip does with truststore), not uv's compiled-in roots:
    // an index behind a company CA the image trusts keeps working.
    UV_SYSTEM_CERTS: "1",
    UV_NO_PROGRESS: "1",
  };
  return { target, python, wheelhouse, uv, runtime, signature, source, uvEnv, findLinks: index.findLinks, noIndex: index.noIndex, systemPackages };
}

export function readDependencySource(ctx: Pick<BuildContext, "fs" | "appDir" | "platformDir" | "logger">): DependencySource {
  const setting = readPlatformEnv(ctx.fs, ctx.platformDir, SOURCE_SETTING);
  const source = chooseDependencySource(readDependencyFiles(ctx.fs, ctx.appDir, setting));
  ctx.logger.info(text.dependencySource(source.kind, describeSource(source, setting)));
  return source;
}

function describeSource(source: DependencySource, setting: string | undefined): string {
  if (setting !== undefined) return text.dependencySourceChosen(source.kind);
  switch (source.kind) {
    case "none":
      return "no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines";
    case "uv.lock":
      return "uv project: the locked [project] dependencies";
    case "poetry.lock":
      return "Poetry project: the locked main group";
    case "pyproject.toml": {
      const n = source.dependencies.length;
      return `[project] dependencies, ${n} ${n === 1 ? "entry" : "entries"}, resolved now`;
    }
    case "requirements.txt": {
      const n = requirementLines(source.content).length;
      return `${n} ${n === 1 ? "line" : "lines"}`;
    }
  }
}

/** The invoker as the buildpack's own wheel, checked by sha256. */
function writeRuntimeRequirements(fs: FileSystem, wheelhouse: Wheelhouse, runtime: RuntimeRequirements): string {
  const file = path.join(WORK_DIR, "runtime-requirements.txt");
  fs.mkdirp(WORK_DIR);
  // A direct reference: uv asks no index for it (no other file of that name can come in).
  fs.writeFile(file, `kn-fn-invoker @ file://${wheelhouse.invokerWheel} --hash=sha256:${runtime.invokerSha256}\n`);
  return file;
}

async function checkImport(ctx: BuildContext, venv: Venv, target: FunctionTarget, system: SystemPackages): Promise<void> {
  // The venv's pycs were just compiled: reading them instead of compiling every imported module
  // again makes the check ~4x faster (fpdf2, Pillow, fontTools: 1.6 s -> 0.4 s). Every hash-based
  // pyc is checked against its source, so one left in the app dir (a reused workspace, a copied
  // image) cannot hide a source change; a stale one is ignored and the source compiled in memory.
  const argv = [venv.python, "--check-hash-based-pycs", "always", "-m", "kn_fn_invoker", "check", "--json", "--dir", ctx.appDir, "--handler", target.value];
  ctx.logger.command(argv);
  // The system packages' libraries, found as at launch (their layer's LD_LIBRARY_PATH).
  const libraryPath: Record<string, string> = system.libraryPath === undefined ? {} : { LD_LIBRARY_PATH: system.libraryPath };
  const env = { ...NO_BYTECODE, ...libraryPath };
  const result = await runCheck(ctx.runner, argv, env, ctx.appDir);
  ctx.logger.info(text.imported(result.handler, result.mode ?? "http", result.app));
  if (result.hooks.length > 0) ctx.logger.info(text.lifecycleHooks(result.hooks));
}

async function compileApp(ctx: BuildContext, venv: Venv): Promise<void> {
  const argv = [venv.python, "-m", "compileall", "-q", "-f", "--invalidation-mode", "unchecked-hash", "-x", APP_COMPILE_EXCLUDE, ctx.appDir];
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { cwd: ctx.appDir });
  if (result.code !== 0) {
    // The handler's module already passed the checks: what failed is not imported by it.
    ctx.logger.info(text.bytecodeWarning);
    ctx.logger.output(result.output);
  }
}

const LIST_DISTRIBUTIONS =
  "import importlib.metadata as m, json; print(json.dumps([{'name': d.metadata['Name'], 'version': d.version} for d in m.distributions()]))";

async function writeSbom(ctx: BuildContext, venv: Venv): Promise<void> {
  const argv = [venv.python, "-I", "-c", LIST_DISTRIBUTIONS];
  ctx.logger.command([venv.python, "-I", "-c", "<list installed distributions>"]);
  const result = await ctx.runner.run(argv, { cwd: ctx.layersDir, env: NO_BYTECODE });
  let distributions: Distribution[];
  try {
    if (result.code !== 0) throw new Error("exit");
    distributions = JSON.parse(result.stdout.trim()) as Distribution[];
  } catch {
    throw new BuildpackError("sbom-failed", errors.sbomFailed(result.output.trim()));
  }
  const file = path.join(ctx.layersDir, `${DEPENDENCIES_LAYER}.sbom.cdx.json`);
  ctx.fs.writeFile(file, renderCycloneDx(distributions));
  ctx.logger.info(text.sbomWritten(path.basename(file), distributions.length));
}

export function webProcess(venv: Pick<Venv, "python">, appDir: string, handler: string): Process {
  return {
    type: "web",
    command: [venv.python, "-m", "kn_fn_invoker", "--dir", appDir, "--handler", handler],
    args: [],
    default: true,
    workingDir: appDir,
  };
}

function writeLaunch(ctx: BuildContext, venv: Venv, target: FunctionTarget): void {
  const web = webProcess(venv, ctx.appDir, target.value);
  ctx.fs.writeFile(path.join(ctx.layersDir, "launch.toml"), renderLaunchToml([web]));
  ctx.logger.info(text.process(web.type, web.command));
}
