// The runtime invoker shares the function's environment, so what it needs (Flask, Werkzeug,
// granian, the CloudEvents SDK, as ranges) must hold for the user's locked versions too.
// Checked before anything is installed: a lock that pins Flask 2 fails naming Flask, the
// locked version and the range, instead of a resolver's derivation tree after a download.
import * as path from "node:path";
import { satisfies } from "@renovatebot/pep440";
import { BuildpackError } from "./errors";
import type { FileSystem } from "./io";
import { errors } from "./messages";
import { markerEnvironment } from "./markers";
import { exactPins, normalizeName } from "./requirements";

/** Written by scripts/package.sh from the invoker's pyproject.toml. */
export const RUNTIME_FILE = "runtime.json";

export interface RuntimeRequirements {
  invokerVersion: string;
  /** sha256 of the invoker's wheel: uv installs exactly that file. */
  invokerSha256: string;
  /** Normalised name -> PEP 440 range, e.g. flask -> ">=3.1,<4". */
  requires: Record<string, string>;
}

export interface RuntimeConflict {
  name: string;
  locked: string;
  needed: string;
}

export function readRuntimeRequirements(fs: FileSystem, wheelhouseDir: string): RuntimeRequirements {
  const file = path.join(wheelhouseDir, RUNTIME_FILE);
  if (fs.kind(file) !== "file") throw new BuildpackError("wheelhouse-broken", errors.wheelhouseBroken(wheelhouseDir, `no ${RUNTIME_FILE}`));
  const parsed = JSON.parse(fs.readFile(file).toString("utf8")) as { invoker_version: string; invoker_sha256: string; requires: Record<string, string> };
  const requires: Record<string, string> = {};
  for (const [name, range] of Object.entries(parsed.requires)) requires[normalizeName(name)] = range;
  return { invokerVersion: parsed.invoker_version, invokerSha256: parsed.invoker_sha256, requires };
}

/**
 * Pure: every exact pin in the requirements text that the runtime cannot run with, on this
 * Python (a pin whose marker is for another Python or platform does not count).
 */
export function runtimeConflicts(requirements: string, runtime: RuntimeRequirements, pythonVersion: string): RuntimeConflict[] {
  const conflicts: RuntimeConflict[] = [];
  for (const [name, versions] of exactPins(requirements, markerEnvironment(pythonVersion))) {
    const needed = runtime.requires[name];
    if (needed === undefined) continue;
    for (const locked of versions) if (!satisfies(locked, needed)) conflicts.push({ name, locked, needed });
  }
  return conflicts;
}

/** Throws the conflict error naming the source file, or returns when every pin fits. */
export function checkRuntimeCompatible(requirements: string, runtime: RuntimeRequirements, source: string, pythonVersion: string): void {
  const conflicts = runtimeConflicts(requirements, runtime, pythonVersion);
  if (conflicts.length > 0) throw new BuildpackError("runtime-conflict", errors.runtimeConflict(source, conflicts, runtime.invokerVersion));
}
