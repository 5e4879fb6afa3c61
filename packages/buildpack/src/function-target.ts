// Which function to serve: PYTHON_HANDLER (or its alias BP_FUNCTION) from the platform's env
// files, else handler.handler. pack writes project.toml [[build.env]] and --env there; the
// lifecycle does not pass them in our own environment (cnb.md, "build").
import * as path from "node:path";
import { BuildpackError } from "./errors";
import type { FileSystem } from "./io";
import { DEFAULT_HANDLER, errors } from "./messages";

export type HandlerSource = "default" | "PYTHON_HANDLER" | "BP_FUNCTION";

export interface HandlerSetting {
  value: string;
  source: HandlerSource;
}

export interface FunctionTarget extends HandlerSetting {
  module: string;
  functionName: string;
  /** The module's file relative to the app dir: pkg/mod.py or pkg/mod/__init__.py. */
  moduleFile: string;
}

// Python's identifiers (https://docs.python.org/3/reference/lexical_analysis.html#identifiers):
// XID_Start or _, then XID_Continue, checked after NFKC as Python normalises names in source.
// Node's Unicode can be newer than the stack Python's; the invoker's static check rules last.
const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;
// keyword.kwlist (unchanged since Python 3.7); soft keywords (match, case, _, type) are names.
// spec/handler-names.json has a row for each, which the invoker's tests check against kwlist.
const PYTHON_KEYWORDS: ReadonlySet<string> = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
  "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
  "pass", "raise", "return", "try", "while", "with", "yield",
]);

/** A platform env file's value; pack writes it without a newline, a hand-written one may have one. */
export function readPlatformEnv(fs: FileSystem, platformDir: string, name: string): string | undefined {
  const file = path.join(platformDir, "env", name);
  if (fs.kind(file) !== "file") return undefined;
  return fs.readFile(file).toString("utf8").replace(/\r?\n$/, "");
}

export function resolveHandlerSetting(pythonHandler: string | undefined, bpFunction: string | undefined): HandlerSetting {
  if (pythonHandler !== undefined && bpFunction !== undefined && pythonHandler !== bpFunction) {
    throw new BuildpackError("handler-conflict", errors.handlerConflict(pythonHandler, bpFunction));
  }
  if (pythonHandler !== undefined) return { value: pythonHandler, source: "PYTHON_HANDLER" };
  if (bpFunction !== undefined) return { value: bpFunction, source: "BP_FUNCTION" };
  return { value: DEFAULT_HANDLER, source: "default" };
}

export function readHandlerSetting(fs: FileSystem, platformDir: string): HandlerSetting {
  return resolveHandlerSetting(readPlatformEnv(fs, platformDir, "PYTHON_HANDLER"), readPlatformEnv(fs, platformDir, "BP_FUNCTION"));
}

/**
 * Pure: split module.function, the last dot splits; undefined when malformed. The rules are
 * spec/handler-names.json's, shared with the invoker's parse_target: parts are split on "."
 * before normalising (a fullwidth full stop is no dot), each NFKC-normalised ("ﬁ" is "fi", as in
 * `import ﬁ`), and each must be an identifier and not a keyword.
 */
export function parseHandler(value: string): { module: string; functionName: string } | undefined {
  const parts = value.split(".").map((part) => part.normalize("NFKC"));
  if (parts.length < 2 || !parts.every((part) => IDENTIFIER.test(part) && !PYTHON_KEYWORDS.has(part))) return undefined;
  return { module: parts.slice(0, -1).join("."), functionName: parts[parts.length - 1] as string };
}

export function moduleFileCandidates(module: string): string[] {
  const base = module.split(".").join("/");
  return [`${base}.py`, `${base}/__init__.py`];
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** Validate the setting against the app dir: format, module file present, and inside the dir. */
export function resolveFunctionTarget(fs: FileSystem, appDir: string, setting: HandlerSetting): FunctionTarget {
  const parsed = parseHandler(setting.value);
  if (parsed === undefined) throw new BuildpackError("handler-format", errors.handlerFormat(setting.source, setting.value));
  const candidates = moduleFileCandidates(parsed.module);
  const moduleFile = candidates.find((candidate) => fs.kind(path.join(appDir, candidate)) === "file");
  if (moduleFile === undefined) {
    throw new BuildpackError("module-not-found", errors.moduleNotFound(setting.source, setting.value, candidates));
  }
  // The form admits no "..", but a symbolic link can still lead out of the app dir.
  const real = fs.realpath(path.join(appDir, moduleFile));
  if (!isInside(fs.realpath(appDir), real)) {
    throw new BuildpackError("handler-outside-app", errors.handlerOutsideApp(setting.source, setting.value, real));
  }
  return { ...setting, ...parsed, moduleFile };
}
