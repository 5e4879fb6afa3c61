// The stack's Python and the invoker's check, both run as commands.
import * as path from "node:path";
import { BuildpackError, invokerErrorKind } from "./errors";
import type { FileSystem, Runner } from "./io";
import { formatCommand } from "./log";
import { errors } from "./messages";

export const MINIMUM_PYTHON = "3.11";
const INVOKER_WHEEL = /^kn_fn_invoker-([^-]+)-py3-none-any\.whl$/;
const PIP_DIST_INFO = /^pip-([^-]+)\.dist-info$/;

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
  /** The invoker's exact dependency pins (requirements.lock), used as pip constraints. */
  constraints: string;
}

export function findWheelhouse(fs: FileSystem, buildpackDir: string): Wheelhouse {
  const dir = path.join(buildpackDir, "wheelhouse");
  if (fs.kind(dir) !== "dir") throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(dir, "no such directory"));
  const wheels = fs.readdir(dir).filter((name) => INVOKER_WHEEL.test(name));
  const [wheel] = wheels;
  if (wheel === undefined || wheels.length !== 1) {
    throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(dir, `${wheels.length} kn_fn_invoker wheels`));
  }
  const constraints = path.join(dir, "constraints.txt");
  if (fs.kind(constraints) !== "file") throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(dir, "no constraints.txt"));
  return { dir, invokerWheel: path.join(dir, wheel), invokerVersion: (INVOKER_WHEEL.exec(wheel) as RegExpExecArray)[1] as string, constraints };
}

/**
 * The pip the buildpack runs: an unpacked, pinned pip wheel inside the buildpack, put on
 * PYTHONPATH for the install step only. The virtualenv is made --without-pip, so neither pip
 * nor setuptools ends up in the image (they were two thirds of a template's venv).
 */
export interface Pip {
  /** The directory that holds the `pip` package: PYTHONPATH for `python -m pip`. */
  path: string;
  version: string;
}

export function findPip(fs: FileSystem, buildpackDir: string): Pip {
  const dir = path.join(buildpackDir, "pip");
  if (fs.kind(dir) !== "dir") throw new BuildpackError("wheelhouse-broken", errors.pipMissing(dir, "no such directory"));
  const versions = fs.readdir(dir).map((name) => PIP_DIST_INFO.exec(name)?.[1]).filter((v): v is string => v !== undefined);
  const [version] = versions;
  if (version === undefined || versions.length !== 1 || fs.kind(path.join(dir, "pip", "__main__.py")) !== "file") {
    throw new BuildpackError("wheelhouse-broken", errors.pipMissing(dir, `${versions.length} pip dist-info directories`));
  }
  return { path: dir, version };
}

export interface CheckResult {
  handler: string;
  mode: "http" | "cloudevent" | null;
  parameters: string[];
  async: boolean;
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
  return { handler: parsed.handler, mode: parsed.mode, parameters: parsed.parameters, async: parsed.async };
}
