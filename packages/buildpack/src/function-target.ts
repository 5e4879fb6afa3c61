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

const IDENTIFIER = "[A-Za-z_][A-Za-z0-9_]*";
const HANDLER_FORM = new RegExp(`^${IDENTIFIER}(\\.${IDENTIFIER})+$`);

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

/** Pure: split module.function, the last dot splits; undefined when malformed. */
export function parseHandler(value: string): { module: string; functionName: string } | undefined {
  if (!HANDLER_FORM.test(value)) return undefined;
  const dot = value.lastIndexOf(".");
  return { module: value.slice(0, dot), functionName: value.slice(dot + 1) };
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
