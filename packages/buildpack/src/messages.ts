// Every line a person reads from this buildpack is written here, so wording stays in one
// style: what happened, what was found, what to do (in that order).

import type { HandlerSource } from "./function-target";
import type { PythonVersionChoice, VersionOrigin } from "./python-version";

export const DEFAULT_HANDLER = "handler.handler";
const SOURCE_SETTING = "BP_PYTHON_DEPENDENCIES";
const DEPENDENCY_SOURCES = ["uv.lock", "poetry.lock", "pyproject.toml", "requirements.txt"];
const PACKAGE_INDEX_BINDING = "package-index";
const RUNTIME_PACKAGES = "flask, werkzeug, granian or cloudevents";
const SUPPORTED_FORMS =
  "uv.lock with pyproject.toml (uv), poetry.lock with pyproject.toml (Poetry), pyproject.toml with [project] dependencies, or requirements.txt";
export const ACCEPTED_HANDLER_FORM =
  "module.function or package.module.function: the last dot splits, and each part must be a Python identifier that is not a keyword " +
  "(no paths, spaces, file extensions or empty parts)";
const SET_HANDLER_HOW = "set PYTHON_HANDLER in project.toml [[build.env]] (or pack build --env PYTHON_HANDLER=...)";

function describeSetting(source: HandlerSource, value: string): string {
  return source === "default" ? `the default handler ${value}` : `${source}=${value}`;
}

/**
 * A setting's value as is when it is all letters, marks, digits, punctuation and symbols; else
 * JSON-quoted with everything outside printable ASCII escaped, so an empty value, a space or a
 * newline can be seen. The same as the invoker's shown_value (json.dumps, ensure_ascii).
 */
export function shownValue(value: string): string {
  if (/^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u.test(value)) return value;
  return quoted(value);
}

/** Always JSON-quoted, everything outside printable ASCII escaped: a line or specifier read from a file. */
export function quoted(value: string): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// ---- the Python version (python-version.ts) -----------------------------------------------

/** How each origin is named in a message and what a user changes there; a Record, so no origin lacks text. */
/** An application object the handler names instead of a function (the invoker's check tells). */
export type AppKind = "wsgi" | "asgi";
const APP_TEXT: Record<AppKind, string> = {
  wsgi: "WSGI application, served as it is (health paths, body limit, TIMEOUT and error log around it)",
  asgi: "ASGI application, served as it is on each worker's event loop (health paths, body limit, TIMEOUT, error log and lifespan around it)",
};

const VERSION_ORIGIN_TEXT: Record<VersionOrigin, { named: (value: string) => string; change: string }> = {
  BP_PYTHON_VERSION: {
    named: (value) => `BP_PYTHON_VERSION=${shownValue(value)}`,
    change: "BP_PYTHON_VERSION (project.toml [[build.env]] or pack build --env)",
  },
  ".python-version": { named: (value) => `.python-version (${value})`, change: "the version in .python-version" },
  "requires-python": { named: (value) => `requires-python ${quoted(value)} in pyproject.toml`, change: "requires-python in pyproject.toml" },
  default: { named: (value) => `the default (${value})`, change: "the default by pinning a version in .python-version" },
};
const VERSION_FORMS =
  "a minor version such as 3.13 (for the newest 3.13.x this builder has) or an exact one such as 3.13.18, with no prefix or suffix (not python3.13, cpython@3.13 or 3.13t)";
const SPECIFIERS_URL = "https://packaging.python.org/en/latest/specifications/version-specifiers/";

/** A range in BP_PYTHON_VERSION or .python-version is a requires-python in the wrong place. */
function rangeHint(value: string): string {
  return /^[<>=!~]/.test(value) ? " A range such as >=3.13 belongs in requires-python in pyproject.toml." : "";
}

function oneOrList(values: string[], one: string, many: string): string {
  return values.length === 1 ? one : many;
}

function orList(values: string[]): string {
  return values.length < 2 ? values.join("") : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}

// ---- detect -------------------------------------------------------------------------------

export const detect = {
  passDefault: (moduleFile: string) => `kn-fn/python-function: found ${moduleFile} (default handler ${DEFAULT_HANDLER})`,
  passSet: (source: HandlerSource, value: string) =>
    `kn-fn/python-function: ${source}=${value} is set; build checks it`,
  failNoHandler: () =>
    `kn-fn/python-function: no handler.py in the app directory and neither PYTHON_HANDLER nor BP_FUNCTION is set; this is not a Python function`,
};

// ---- errors (build) -----------------------------------------------------------------------

export const errors = {
  handlerConflict: (pythonHandler: string, bpFunction: string) =>
    `[Error: conflicting handler settings] PYTHON_HANDLER=${shownValue(pythonHandler)} and BP_FUNCTION=${shownValue(bpFunction)} are both set and differ. ` +
    `BP_FUNCTION is an alias of PYTHON_HANDLER: set only PYTHON_HANDLER (project.toml [[build.env]]), or give both the same value.`,
  // The invoker's handler_format gives the same text: spec/handler-names.json holds it.
  handlerFormat: (source: HandlerSource, value: string) =>
    `[Error: malformed handler] ${describeSetting(source, shownValue(value))} is not of the form ${ACCEPTED_HANDLER_FORM}. ` +
    `Examples: main.handle, pkg.sub.mod.handle. S${SET_HANDLER_HOW.slice(1)} to such a value.`,
  handlerOutsideApp: (source: HandlerSource, value: string, resolved: string) =>
    `[Error: handler outside the app directory] ${describeSetting(source, value)} resolves to ${resolved}, which is outside the app directory (a symbolic link?). ` +
    `Keep the function's module inside the app directory.`,
  moduleNotFound: (source: HandlerSource, value: string, candidates: string[]) =>
    `[Error: handler module not found] ${describeSetting(source, value)} needs ${candidates.join(" or ")} in the app directory, and there is none. ` +
    `Add the file, or ${SET_HANDLER_HOW} to the module that holds your function.`,
  pythonNotFound: (detail: string) =>
    `[Error: no Python 3] the build image has no working python3 on PATH (${detail}). ` +
    `This buildpack uses the stack's Python: use a builder whose build image provides python3 with the venv module (Debian: python3, python3-venv).`,
  pythonTooOld: (version: string, minimum: string) =>
    `[Error: Python too old] the build image's python3 is ${version}; the runtime invoker needs Python ${minimum} or newer. Use a builder with a newer stack.`,
  requirementsNotAFile: (name: string) =>
    `[Error: requirements file unreadable] ${name} exists but is not a regular file. Make it a text file of pip requirements, or remove it.`,
  requirementsNotUtf8: (name: string) =>
    `[Error: requirements file unreadable] ${name} is not UTF-8 text. Save it as UTF-8 (pip requirements format).`,
  caBindingInvalid: (file: string) =>
    `[Error: CA certificate binding unreadable] ${file} is in a binding of type ca-certificates but holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line). ` +
    `Put only PEM certificates in the binding (besides its type file), or remove the file.`,
  wheelhouseBroken: (dir: string, detail: string) =>
    `[Error: buildpack incomplete] the runtime invoker's wheels are missing from ${dir} (${detail}). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
  toolMissing: (tool: string, detail: string) =>
    `[Error: buildpack incomplete] the ${tool} the buildpack runs is missing or broken (${detail}). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
  checkUnreadable: (command: string, output: string) =>
    `[Error: function check failed] ${command} printed no result. Its output:\n${output}`,
  venvFailed: (output: string) => `[Error: virtualenv not created] uv venv failed. Its output:\n${output}`,
  installFailed: (source: string, output: string) =>
    `[Error: dependencies not installed] uv could not install ${source === "none" ? "the runtime invoker" : `the dependencies from ${source} together with the runtime invoker`}. ` +
    `Check the names and versions there, and that the package index is reachable (a version that conflicts with the invoker's ${RUNTIME_PACKAGES} also fails here). uv said:\n${output}`,
  pyprojectUnreadable: (detail: string) => `[Error: pyproject.toml unreadable] pyproject.toml is not valid TOML: ${detail}. Fix the syntax.`,
  pyprojectDependenciesInvalid: () =>
    `[Error: invalid dependencies] pyproject.toml [project] dependencies must be a list of requirement strings such as "requests>=2.32" (PEP 621).`,
  lockWithoutPyproject: (lock: string) =>
    `[Error: ${lock} without pyproject.toml] ${lock} locks the dependencies of a pyproject.toml, and there is none in the app directory. Add the pyproject.toml the lock was made from.`,
  sourceSettingInvalid: (value: string) =>
    `[Error: invalid dependency source] ${SOURCE_SETTING}=${shownValue(value)} is not one of ${DEPENDENCY_SOURCES.join(", ")}. ` +
    `Set it to the file the dependencies should be installed from.`,
  sourceSettingMissing: (file: string) =>
    `[Error: dependency source not found] ${SOURCE_SETTING}=${file}, but the app directory has no ${file}. Add it, or set ${SOURCE_SETTING} to a file that exists.`,
  sourcesConflict: (files: string[]) =>
    `[Error: more than one dependency source] ${files.join(" and ")} both declare dependencies, and a build installs from exactly one. ` +
    `Delete the one you do not use, or choose one with ${SOURCE_SETTING} (project.toml [[build.env]] or pack build --env), e.g. ${SOURCE_SETTING}=${files[0]}.`,
  sourceUnsupported: (files: string[]) =>
    `[Error: dependency format not supported] the app directory has ${files.join(", ")}, which this buildpack does not install from. ` +
    `Declare the dependencies in one of: ${SUPPORTED_FORMS}.`,
  poetryWithoutLock: (names: string[]) =>
    `[Error: poetry.lock missing] pyproject.toml declares Poetry dependencies (${names.join(", ")}) but there is no poetry.lock. Run \`poetry lock\` and add poetry.lock to the app directory.`,
  dynamicDependencies: () =>
    `[Error: dynamic dependencies] pyproject.toml lists "dependencies" in [project] dynamic, so only its build backend knows them. ` +
    `List them in [project] dependencies, or lock them (uv lock) and add uv.lock.`,
  uvLockOutdated: (output: string) =>
    `[Error: uv.lock out of date] uv.lock does not match pyproject.toml, so the locked versions are not what the project asks for. Run \`uv lock\` and add the new uv.lock. uv said:\n${output}`,
  poetryLockOutdated: (output: string) =>
    `[Error: poetry.lock out of date] poetry.lock does not match pyproject.toml, so the locked versions are not what the project asks for. Run \`poetry lock\` and add the new poetry.lock. Poetry said:\n${output}`,
  lockExportFailed: (lock: string, output: string) => `[Error: ${lock} unreadable] exporting the locked dependencies failed. Its output:\n${output}`,
  runtimeConflict: (source: string, conflicts: Array<{ name: string; locked: string; needed: string }>, invokerVersion: string) =>
    `[Error: dependencies conflict with the runtime] ${source} pins ${conflicts.map((c) => `${c.name} ${c.locked}`).join(", ")}, but the runtime invoker ${invokerVersion} ` +
    `runs in the same environment and needs ${conflicts.map((c) => `${c.name}${c.needed}`).join(", ")}. Nothing was installed. ` +
    `Change ${conflicts.length === 1 ? "that version" : "those versions"} in ${source} to one in the range (or drop the pin and lock again).`,
  indexBindingInvalid: (name: string, unknown: string[]) =>
    `[Error: package index binding unreadable] the ${PACKAGE_INDEX_BINDING} binding ${name} must hold index-url and/or extra-index-url, and optionally username and password` +
    `${unknown.length === 0 ? "" : `; it also has ${unknown.join(", ")}`}.`,
  indexBindingUrl: () => `[Error: package index binding unreadable] a ${PACKAGE_INDEX_BINDING} binding's URL must start with a scheme such as https://.`,
  nativeLibraryMissing: (missing: Array<{ distribution: string | null; file: string; library: string }>) => {
    const libraries = [...new Set(missing.map((m) => m.library))];
    const rows = missing.map((m) => `  - ${m.distribution ?? "(no installed package)"}: ${m.file} needs ${m.library}`);
    return (
      `[Error: shared library missing in the run image] native code installed in the dependencies links ${libraries.join(", ")}, ` +
      `which the run image does not have and no installed package ships; it would fail to import when the function starts:\n${rows.join("\n")}\n` +
      `Use a build of the package that bundles its libraries (a manylinux wheel from PyPI, or its -binary variant, e.g. psycopg2-binary for psycopg2), ` +
      `or declare the Debian package that ships ${libraries.length === 1 ? "it" : "them"} in project.toml [com.kn-fn.system-packages] install = [...].`
    );
  },
  projectTomlUnreadable: (detail: string) =>
    `[Error: project.toml unreadable] project.toml is not valid TOML: ${detail}. Fix the syntax (pack reads the same file).`,
  systemPackagesInvalid: (table: string, found: string) =>
    `[Error: invalid system packages] project.toml [${table}] must hold only install = [...], a list of Debian package names such as "libpq5"; found ${found}. ` +
    `Example:\n  [${table}]\n  install = ["libpq5"]`,
  systemPackagesUnsupported: (file: string) =>
    `[Error: system packages not supported by this builder] project.toml declares Debian packages, but the build image has no list of the run image's installed packages (${file}), so the build cannot tell what the run image lacks. Use the kn-fn builder (kn-fn-builder stack writes it).`,
  systemPackageNotFound: (names: string[], table: string) =>
    `[Error: system package not found] Debian 12 has no package ${names.map((n) => `"${n}"`).join(", ")} (project.toml [${table}] install). ` +
    `Check the name at packages.debian.org (suite bookworm); libraries are named like libpq5, not libpq or libpq-dev.`,
  systemPackageNeedsScripts: (name: string, scripts: string[], table: string) =>
    `[Error: system package needs maintainer scripts] ${name} has ${scripts.join(", ")}, which this buildpack does not run (packages are unpacked into a layer, not installed as root). ` +
    `Declare only library packages that work unpacked (most lib* packages), or use a builder whose run image has ${name} (project.toml [${table}]).`,
  aptUpdateFailed: (output: string) => `[Error: system packages not installed] apt-get update failed (Debian's archive unreachable?). apt said:\n${output}`,
  aptResolveFailed: (output: string) => `[Error: system packages not installed] apt could not resolve the declared packages against the run image. apt said:\n${output}`,
  aptDownloadFailed: (output: string) => `[Error: system packages not installed] downloading or unpacking the packages failed:\n${output}`,
  linkageUnreadable: (output: string) => `[Error: native library check failed] the linkage check printed no result. Its output:\n${output}`,
  linkageToolMissing: (dir: string) =>
    `[Error: buildpack incomplete] the native library check (python/kn_fn_linkage.py and elftools/) is missing from ${dir}. The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
  compileFailed: (output: string) => `[Error: bytecode compilation failed] python -m compileall failed in the dependencies virtualenv:\n${output}`,
  sbomFailed: (output: string) => `[Error: SBOM not written] listing the installed distributions failed:\n${output}`,
  pythonVersionSettingInvalid: (value: string) =>
    `[Error: invalid Python version] BP_PYTHON_VERSION=${shownValue(value)} is not a version this builder reads. ` +
    `Set it (project.toml [[build.env]] or pack build --env) to the version alone: ${VERSION_FORMS}.${rangeHint(value.trim())}`,
  pythonVersionFileInvalid: (lineNumber: number, line: string) =>
    `[Error: invalid Python version] line ${lineNumber} of .python-version is ${quoted(line)}, which is not a version this builder reads. ` +
    `Write the version alone: ${VERSION_FORMS}.${rangeHint(line)}`,
  pythonVersionFileEmpty: () =>
    `[Error: invalid Python version] .python-version holds no version: it is empty or has only blank lines and comments. ` +
    `Write the version alone on its first line, or delete the file. Accepted: ${VERSION_FORMS}.`,
  pythonVersionsDisagree: (first: { origin: VersionOrigin; value: string }, second: { origin: VersionOrigin; value: string }) =>
    `[Error: conflicting Python versions] ${VERSION_ORIGIN_TEXT[first.origin].named(first.value)} and ${VERSION_ORIGIN_TEXT[second.origin].named(second.value)} ` +
    `ask for different Python versions. Change ${VERSION_ORIGIN_TEXT[first.origin].change} or ${VERSION_ORIGIN_TEXT[second.origin].change} so that they agree, ` +
    `or set only one of them.`,
  pythonVersionOutsideRequiresPython: (origin: VersionOrigin, value: string, candidates: string[], requiresPython: string, satisfying: string[]) =>
    `[Error: conflicting Python versions] ${origin} asks for Python ${value}` +
    `${candidates.includes(value) ? "" : ` (this builder's ${value} is ${candidates.join(", ")})`}, ` +
    `which does not satisfy ${VERSION_ORIGIN_TEXT["requires-python"].named(requiresPython)}. ` +
    `Of the versions this builder has, ${satisfying.join(", ")} ${oneOrList(satisfying, "does", "do")}. ` +
    `Change ${VERSION_ORIGIN_TEXT[origin].change} to ${oneOrList(satisfying, "it", "one of them")}, or change ${VERSION_ORIGIN_TEXT["requires-python"].change}.`,
  pythonVersionUnavailable: (
    origin: VersionOrigin,
    value: string,
    minor: string,
    sameMinor: string[],
    notBuilt: boolean,
    shipped: string[],
    defaultMinor: string,
  ) =>
    `[Error: Python version not available] ${origin} asks for Python ${value}, which this builder does not have` +
    `${sameMinor.length === 0 ? "" : `: its ${minor} is ${sameMinor.join(", ")}`}.` +
    `${notBuilt ? ` ${minor} is not built by this builder: it has no current, security-patched source of ${minor}, and ships no old, unpatched build from elsewhere.` : ""} ` +
    `It has ${shipped.join(", ")}. Change ${VERSION_ORIGIN_TEXT[origin].change} to one of them, ` +
    `or to a minor version alone (such as ${sameMinor.length === 0 ? defaultMinor : minor}) for its newest patch.`,
  requiresPythonInvalid: (requiresPython: string) =>
    `[Error: invalid requires-python] ${VERSION_ORIGIN_TEXT["requires-python"].named(requiresPython)} is not a PEP 440 version specifier. ` +
    `Write one such as ">=3.11" or ">=3.11,<3.14" (${SPECIFIERS_URL}).`,
  requiresPythonUnsatisfiable: (requiresPython: string, shipped: string[]) =>
    `[Error: no Python version satisfies requires-python] ${VERSION_ORIGIN_TEXT["requires-python"].named(requiresPython)} ` +
    `excludes every Python this builder has: ${shipped.join(", ")}. Change ${VERSION_ORIGIN_TEXT["requires-python"].change} to allow one of them.` +
    // PEP 440 pads a bare ==3.13 to 3.13.0, which no builder ships: the usual slip.
    `${/(^|,)\s*==\s*\d+\.\d+\s*(,|$)/.test(requiresPython) ? " (==3.13 means exactly 3.13.0; ==3.13.* means any 3.13.)" : ""}`,
  defaultPythonNotShipped: (defaultMinor: string, shipped: string[]) =>
    `[Error: internal] this builder's default Python ${defaultMinor} is not among the versions it has (${shipped.join(", ") || "none"}). ` +
    `The builder was assembled wrongly: please report this with the build log.`,
  unexpected: (detail: string) => `[Error: internal] the buildpack failed unexpectedly: ${detail}. Please report this with the build log.`,
  unknownPhase: (name: string) => `[Error: internal] unknown phase '${name}': run bin/detect or bin/build.`,
};

// ---- build log ----------------------------------------------------------------------------

export const log = {
  headerAnalyse: "Analysing the function",
  headerDependencies: "Installing dependencies",
  headerSystemPackages: "Installing system packages",
  systemPackagesRequested: (names: string[]) => `System packages: ${names.join(", ")} (from project.toml [com.kn-fn.system-packages])`,
  systemPackagesReused: "Reusing cached system packages (the same packages, versions and run image)",
  systemPackagesInstall: "Installing system packages afresh because:",
  systemPackagesReady: (packages: Array<{ name: string; version: string }>) =>
    packages.length === 0
      ? "System packages: all already in the run image"
      : `System packages in the image: ${packages.map((p) => `${p.name} ${p.version}`).join(", ")}`,
  headerNativeLibraries: "Checking native libraries against the run image",
  headerImportCheck: "Checking that the function imports",
  headerBytecode: "Compiling the function's bytecode",
  headerSbom: "Writing the SBOM",
  headerLaunch: "Configuring the launch process",
  handler: (value: string, source: HandlerSource) => `Handler: ${value} (${source === "default" ? "default" : `from ${source}`})`,
  signature: (mode: string | null, parameters: string[], isAsync: boolean, app: AppKind | null = null) =>
    app !== null
      ? `Signature: ${APP_TEXT[app]}`
      : mode === null
        ? "Signature: not a plain def; checked when imported below"
        : `Signature: ${mode === "http" ? "HTTP" : "CloudEvent"} function${isAsync ? " (async, served on each worker's event loop)" : ""}, parameters: ${parameters.length ? parameters.join(", ") : "none"}`,
  python: (version: string, executable: string) => `Python: ${version} (${executable})`,
  /** sources: the origins a user can set, in precedence order (named when none was set). */
  pythonVersion: (choice: PythonVersionChoice, sources: VersionOrigin[]) => {
    const constraint = choice.requiresPython === undefined ? "" : `requires-python ${choice.requiresPython} in pyproject.toml`;
    switch (choice.origin) {
      case "default":
        return constraint === ""
          ? `Python ${choice.version} (the default: no ${orList(sources)}; pin one in .python-version)`
          : `Python ${choice.version} (the default, which satisfies ${constraint})`;
      case "requires-python":
        return `Python ${choice.version} (the newest this builder has that satisfies ${constraint})`;
      default: {
        const agreeing = (choice.agreeing ?? []).map((other) => `; ${VERSION_ORIGIN_TEXT[other.origin].named(other.value)} agrees`);
        return `Python ${choice.version} (from ${choice.origin}${constraint && `, which satisfies ${constraint}`}${agreeing.join("")})`;
      }
    }
  },
  dependencySource: (source: string, detail: string) => `Dependencies: ${source === "none" ? "none" : source} (${detail})`,
  dependencySourceChosen: (file: string) => `from ${SOURCE_SETTING}=${file}`,
  caBindings: (names: string[], files: number) =>
    `uv trusts ${files} extra CA certificate ${files === 1 ? "file" : "files"} from the ca-certificates ${names.length === 1 ? "binding" : "bindings"} ${names.join(", ")}`,
  indexSetting: (note: string) => `Package index: ${note}`,
  vendor: (dir: string, wheels: number) => `Vendored wheels: ${wheels} in ${dir}; installing with no package index`,
  uv: (version: string) => `uv ${version} runs from the buildpack; the image gets no installer (no uv, pip or setuptools)`,
  cacheReused: (source: string) => `Reusing cached dependencies (${source === "none" ? "no dependencies" : `${source} unchanged`}, same Python, runtime and uv)`,
  cacheRebuild: "Installing dependencies afresh because:",
  cacheReason: (reason: string) => `- ${reason}`,
  nativeChecked: (files: number) =>
    files === 0
      ? "Native libraries: no native code installed"
      : `Native libraries: ${files} ELF ${files === 1 ? "file links" : "files link"} only libraries the run image has or the packages ship`,
  nativeNotChecked: (file: string) =>
    `Native libraries: not checked; this builder's build image has no list of the run image's libraries (${file})`,
  imported: (handler: string, mode: string, app: AppKind | null = null) =>
    `Imported ${handler}: ${app !== null ? APP_TEXT[app] : `${mode === "http" ? "HTTP" : "CloudEvent"} function`}`,
  lifecycleHooks: (names: readonly string[]) => `Lifecycle hooks: ${names.join(", ")} (see the invoker README)`,
  bytecodeWarning: "Warning: some files in the app directory did not compile (they are served as source):",
  sbomWritten: (file: string, count: number) => `Wrote ${file} (${count} distributions)`,
  process: (type: string, command: string[]) => `Process ${type} (default): ${command.join(" ")}`,
  done: "Done",
};

export const reasons = {
  noCache: "no cached dependencies layer",
  noVenv: "the cached layer has no virtualenv",
  formatChanged: (from: string, to: string) => `the layer format changed (${from} -> ${to})`,
  sourceChanged: (from: string, to: string) => `the dependency source changed (${from} -> ${to})`,
  inputsChanged: (source: string, from: string, to: string) =>
    `${source === "uv.lock" || source === "poetry.lock" ? `the dependencies locked in ${source}` : source === "pyproject.toml" ? "pyproject.toml's [project] dependencies" : source} changed (sha256 ${short(from)} -> ${short(to)})`,
  pythonChanged: (from: string, to: string) => `Python changed (${from} -> ${to})`,
  invokerChanged: (from: string, to: string) => `runtime invoker changed (${from} -> ${to})`,
  runtimeChanged: (from: string, to: string) =>
    `the runtime's wheels changed under the same invoker version (wheelhouse ${from.slice(0, 12) || "none"} -> ${to.slice(0, 12)})`,
  uvChanged: (from: string, to: string) => `uv changed (${from} -> ${to})`,
  noSystemPackagesCache: "no cached system-packages layer",
  systemPackagesListChanged: (from: string, to: string) => `the declared packages changed (${from || "(none)"} -> ${to})`,
  systemPackagesArchiveChanged: (from: string, to: string) => `the archive has other versions (${from || "(none)"} -> ${to})`,
  archChanged: (from: string, to: string) => `architecture changed (${from} -> ${to})`,
};

function short(value: string): string {
  return value === "" ? "(none)" : value.slice(0, 12);
}
