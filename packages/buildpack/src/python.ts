// The stack's Python and the invoker's check, both run as commands.
import { createHash } from "node:crypto";
import * as path from "node:path";
import { BuildpackError, invokerErrorKind } from "./errors";
import type { FileSystem, Runner } from "./io";
import { formatCommand } from "./log";
import { errors, type AppKind } from "./messages";

export const MINIMUM_PYTHON = "3.11";
const INVOKER_WHEEL = /^kn_fn_invoker-([^-]+)-py3-none-any\.whl$/;

export interface PythonInfo {
  version: string;
  executable: string;
}

function versionAtLeast(version: string, minimum: string): boolean {
  const have = version.split(".").map(Number);
  const want = minimum.split(".").map(Number);
  for (let i = 0; i < want.length; i++) {
    const h = have[i] ?? 0;
    const w = want[i] ?? 0;
    if (h !== w) return h > w;
  }
  return true;
}

export async function findPython(runner: Runner, python = "python3"): Promise<PythonInfo> {
  const script = "import json, sys; print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3], 'executable': sys.executable}))";
  const result = await runner.run([python, "-c", script]);
  let info: PythonInfo | undefined;
  if (result.code === 0) {
    try {
      info = JSON.parse(result.stdout.trim()) as PythonInfo;
    } catch {
      info = undefined;
    }
  }
  if (info === undefined) {
    throw new BuildpackError("python-not-found", errors.pythonNotFound(result.output.trim() || `exit status ${result.code}`));
  }
  if (!versionAtLeast(info.version, MINIMUM_PYTHON)) {
    throw new BuildpackError("python-too-old", errors.pythonTooOld(info.version, MINIMUM_PYTHON));
  }
  return info;
}

export interface Wheelhouse {
  dir: string;
  invokerWheel: string;
  invokerVersion: string;
  /**
   * sha256 of the wheel file names and runtime.json (which holds the invoker wheel's sha256):
   * what the runtime installs. A builder whose invoker or runtime pins changed under the same
   * invoker version (the move from gunicorn to granian did) must not reuse a cached venv.
   */
  digest: string;
}

export function findWheelhouse(fs: FileSystem, buildpackDir: string): Wheelhouse {
  const dir = path.join(buildpackDir, "wheelhouse");
  if (fs.kind(dir) !== "dir") throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(dir, "no such directory"));
  const wheels = fs.readdir(dir).filter((name) => INVOKER_WHEEL.test(name));
  const [wheel] = wheels;
  if (wheel === undefined || wheels.length !== 1) {
    throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(dir, `${wheels.length} kn_fn_invoker wheels`));
  }
  const names = fs.readdir(dir).filter((name) => name.endsWith(".whl")).sort();
  const runtime = path.join(dir, "runtime.json");
  if (fs.kind(runtime) !== "file") throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(dir, "no runtime.json"));
  const digest = createHash("sha256").update(names.join("\n")).update("\n").update(fs.readFile(runtime)).digest("hex");
  return { dir, invokerWheel: path.join(dir, wheel), invokerVersion: (INVOKER_WHEEL.exec(wheel) as RegExpExecArray)[1] as string, digest };
}

/**
 * The installer: uv from PyPI's wheel (pinned by sha256 in scripts/package.sh), shipped in the
 * buildpack as `uv/uv`, so installs work offline and the image holds no installer at all.
 */
export interface Uv {
  executable: string;
  version: string;
}

const UV_VERSION = /^uv (\S+)/;

export async function findUv(fs: FileSystem, runner: Runner, buildpackDir: string): Promise<Uv> {
  const executable = path.join(buildpackDir, "uv", "uv");
  if (fs.kind(executable) !== "file") throw new BuildpackError("wheelhouse-broken", errors.toolMissing("uv", executable));
  const result = await runner.run([executable, "--version"]);
  const version = UV_VERSION.exec(result.stdout.trim())?.[1];
  if (result.code !== 0 || version === undefined) throw new BuildpackError("wheelhouse-broken", errors.toolMissing("uv", `${executable}: ${result.output.trim()}`));
  return { executable, version };
}

/** Poetry and its export plugin, unpacked (scripts/poetry.sh): PYTHONPATH for `python3 -m poetry`. */
export function findPoetry(fs: FileSystem, buildpackDir: string): string {
  const dir = path.join(buildpackDir, "poetry");
  if (fs.kind(path.join(dir, "poetry", "__main__.py")) !== "file") throw new BuildpackError("wheelhouse-broken", errors.toolMissing("Poetry", dir));
  return dir;
}

export interface CheckResult {
  handler: string;
  mode: "http" | "cloudevent" | null;
  parameters: string[];
  async: boolean;
  /** An application object (Flask, FastAPI, a raw WSGI or ASGI callable) instead of a function. */
  app: AppKind | null;
  /** The lifecycle hooks beside the handler (start, stop, ready, alive); the import check only. */
  hooks: string[];
}

/** Run `python -m kn_fn_invoker check --json` and turn a failure into the invoker's own error. */
export async function runCheck(runner: Runner, argv: readonly string[], env: Record<string, string>, cwd: string): Promise<CheckResult> {
  const result = await runner.run(argv, { env, cwd });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  let parsed: ({ ok: true } & CheckResult) | { ok: false; kind: string; message: string } | undefined;
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || typeof parsed !== "object" || parsed === null || typeof parsed.ok !== "boolean") {
    throw new BuildpackError("check-failed", errors.checkUnreadable(formatCommand(argv), result.output.trim()));
  }
  if (!parsed.ok) throw new BuildpackError(invokerErrorKind(parsed.kind), parsed.message);
  return { handler: parsed.handler, mode: parsed.mode, parameters: parsed.parameters, async: parsed.async, app: parsed.app ?? null, hooks: parsed.hooks ?? [] };
}
