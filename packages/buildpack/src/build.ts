// build: analyse everything first and fail early, then one call per layer.
import * as os from "node:os";
import * as path from "node:path";
import { pipCaEnvironment } from "./bindings";
import { renderLaunchToml, type Process } from "./cnb/launch";
import { renderCycloneDx, type Distribution } from "./cnb/sbom";
import { BuildpackError } from "./errors";
import { readHandlerSetting, resolveFunctionTarget, type FunctionTarget } from "./function-target";
import type { FileSystem, Runner } from "./io";
import { DEPENDENCIES_LAYER, discardDependencies, installDependencies, requirementLines, type Requirements, type Venv } from "./layers/dependencies";
import { writeFunctionLayer } from "./layers/function";
import { checkNativeLibraries } from "./native-libraries";
import { installSystemPackages, readSystemPackages, type SystemPackages } from "./layers/system-packages";
import type { Logger } from "./log";
import { errors, log as text } from "./messages";
import { findPip, findPython, findWheelhouse, runCheck, type CheckResult, type Pip, type PythonInfo, type Wheelhouse } from "./python";

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
  fs: FileSystem;
  runner: Runner;
  logger: Logger;
}

export interface Analysis {
  target: FunctionTarget;
  python: PythonInfo;
  wheelhouse: Wheelhouse;
  pip: Pip;
  signature: CheckResult;
  requirements: Requirements;
  pipEnv: Record<string, string>;
  /** Debian packages from project.toml [com.kn-fn.system-packages]. */
  systemPackages: string[];
}

const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: "1" };
/** Outside every layer: a binding's certificates must not end up in the image. */
export const CA_BUNDLE_FILE = path.join(os.tmpdir(), "kn-fn-python-function", "ca-bundle.pem");
/** Not compiled in the app dir: hidden directories (.git, .venv), node_modules, caches. */
const APP_COMPILE_EXCLUDE = "/(\\.[^/]*|node_modules|__pycache__)(/|$)";

export async function build(ctx: BuildContext): Promise<void> {
  ctx.logger.header(text.headerAnalyse);
  const analysis = await analyse(ctx);

  if (analysis.systemPackages.length > 0) ctx.logger.header(text.headerSystemPackages);
  const system = await installSystemPackages({ ...ctx, runDpkgStatus: ctx.runDpkgStatusFile }, analysis.systemPackages);

  ctx.logger.header(text.headerDependencies);
  const venv = await installDependencies({ ...ctx, ...analysis });

  ctx.logger.header(text.headerNativeLibraries);
  try {
    await checkNativeLibraries(ctx, venv, system.root);
  } catch (error) {
    discardDependencies(ctx.fs, ctx.layersDir);
    throw error;
  }

  ctx.logger.header(text.headerImportCheck);
  await checkImport(ctx, venv, analysis.target, system);

  ctx.logger.header(text.headerBytecode);
  await compileApp(ctx, venv);

  ctx.logger.header(text.headerSbom);
  await writeSbom(ctx, venv);

  ctx.logger.header(text.headerLaunch);
  writeFunctionLayer(ctx.fs, ctx.layersDir, analysis.target.value);
  writeLaunch(ctx, venv, analysis.target);
  ctx.logger.info(text.done);
}

export async function analyse(ctx: BuildContext): Promise<Analysis> {
  const target = resolveFunctionTarget(ctx.fs, ctx.appDir, readHandlerSetting(ctx.fs, ctx.platformDir));
  ctx.logger.info(text.handler(target.value, target.source));
  const python = await findPython(ctx.runner);
  ctx.logger.info(text.python(python.version, python.executable));
  const wheelhouse = findWheelhouse(ctx.fs, ctx.buildpackDir);
  const pip = findPip(ctx.fs, ctx.buildpackDir);
  // The invoker's own wheel is importable as a zip: its static check needs no dependencies.
  const argv = [python.executable, "-m", "kn_fn_invoker", "check", "--static", "--json", "--dir", ctx.appDir, "--handler", target.value];
  ctx.logger.command(argv);
  const signature = await runCheck(ctx.runner, argv, { ...NO_BYTECODE, PYTHONPATH: wheelhouse.invokerWheel }, ctx.appDir);
  ctx.logger.info(text.signature(signature.mode, signature.parameters, signature.async));
  const requirements = readRequirements(ctx);
  const systemPackages = readSystemPackages(ctx.fs, ctx.appDir);
  if (systemPackages.length > 0) ctx.logger.info(text.systemPackagesRequested(systemPackages));
  const ca = pipCaEnvironment(ctx.fs, ctx.platformDir, CA_BUNDLE_FILE);
  const files = ca.bindings.reduce((n, b) => n + b.files.length, 0);
  if (files > 0) ctx.logger.info(text.caBindings(ca.bindings.map((b) => b.name), files));
  return { target, python, wheelhouse, pip, signature, requirements, pipEnv: ca.env, systemPackages };
}

export function readRequirements(ctx: Pick<BuildContext, "fs" | "appDir" | "logger">): Requirements {
  const file = path.join(ctx.appDir, "requirements.txt");
  const kind = ctx.fs.kind(file);
  if (kind === undefined) {
    ctx.logger.info(text.requirementsNone);
    return { file: undefined, content: "" };
  }
  if (kind !== "file") throw new BuildpackError("requirements-unreadable", errors.requirementsNotAFile("requirements.txt"));
  const bytes = ctx.fs.readFile(file);
  const content = bytes.toString("utf8");
  if (Buffer.compare(Buffer.from(content, "utf8"), bytes) !== 0) {
    throw new BuildpackError("requirements-unreadable", errors.requirementsNotUtf8("requirements.txt"));
  }
  const lines = requirementLines(content).length;
  ctx.logger.info(lines === 0 ? text.requirementsEmpty : text.requirementsFound(lines));
  return { file, content };
}

async function checkImport(ctx: BuildContext, venv: Venv, target: FunctionTarget, system: SystemPackages): Promise<void> {
  const argv = [venv.python, "-m", "kn_fn_invoker", "check", "--json", "--dir", ctx.appDir, "--handler", target.value];
  ctx.logger.command(argv);
  // Hash-checked-never pycs left in the app dir (a reused workspace, a copied image) would
  // hide source changes from the check: a fresh, unwritten pycache prefix makes it read source.
  // The system packages' libraries, found as at launch (their layer's LD_LIBRARY_PATH).
  const libraryPath: Record<string, string> = system.libraryPath === undefined ? {} : { LD_LIBRARY_PATH: system.libraryPath };
  const env = { ...NO_BYTECODE, PYTHONPYCACHEPREFIX: path.join(ctx.layersDir, ".import-check-pycache"), ...libraryPath };
  const result = await runCheck(ctx.runner, argv, env, ctx.appDir);
  ctx.logger.info(text.imported(result.handler, result.mode ?? "http"));
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
