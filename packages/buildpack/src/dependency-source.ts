// Where a function's dependencies are declared: uv.lock, poetry.lock, pyproject.toml's
// [project] dependencies, requirements.txt, or nothing. Exactly one file may declare them; the
// choice is made from what is in the app directory (and BP_PYTHON_DEPENDENCIES when two do).
// Pure: the caller reads the files (readDependencyFiles) and passes their text.
import * as path from "node:path";
import * as TOML from "@iarna/toml";
import { BuildpackError } from "./errors";
import type { FileSystem } from "./io";
import { errors } from "./messages";
import { requirementLines } from "./requirements";

export type SourceKind = "uv.lock" | "poetry.lock" | "pyproject.toml" | "requirements.txt";
/** The files the choice setting may name, in the order the build prefers to mention them. */
export const SOURCE_KINDS: readonly SourceKind[] = ["uv.lock", "poetry.lock", "pyproject.toml", "requirements.txt"];
/** Files of tools this buildpack does not install from: alone, they are an error. */
export const UNSUPPORTED_FILES = ["Pipfile", "Pipfile.lock", "environment.yml", "environment.yaml", "setup.py", "setup.cfg"] as const;
export const SOURCE_SETTING = "BP_PYTHON_DEPENDENCIES";

export interface DependencyFiles {
  /** File name -> text, for each of the files above that exists (pyproject.toml included). */
  texts: Partial<Record<SourceKind, string>>;
  /** The UNSUPPORTED_FILES that exist. */
  unsupported: string[];
  /** BP_PYTHON_DEPENDENCIES, when set. */
  setting: string | undefined;
}

export type DependencySource =
  | { kind: "none" }
  | { kind: "uv.lock"; pyproject: string; lock: string }
  | { kind: "poetry.lock"; pyproject: string; lock: string }
  | { kind: "pyproject.toml"; pyproject: string; dependencies: string[] }
  | { kind: "requirements.txt"; content: string };

export interface Pyproject {
  /** [project].dependencies as written, or undefined when the table or key is absent. */
  dependencies: string[] | undefined;
  /** [project].dynamic lists "dependencies": the build backend computes them. */
  dynamicDependencies: boolean;
  /** [tool.poetry.dependencies] names other than python (Poetry's own table). */
  poetryDependencies: string[];
}

export function parsePyproject(text: string): Pyproject {
  let parsed: TOML.JsonMap;
  try {
    parsed = TOML.parse(text);
  } catch (error) {
    throw new BuildpackError("pyproject-unreadable", errors.pyprojectUnreadable(error instanceof Error ? (error.message.split("\n")[0] ?? "").replace(/:$/, "") : String(error)));
  }
  const project = parsed["project"] as TOML.JsonMap | undefined;
  const raw = project?.["dependencies"];
  if (raw !== undefined && (!Array.isArray(raw) || raw.some((d) => typeof d !== "string"))) {
    throw new BuildpackError("pyproject-unreadable", errors.pyprojectDependenciesInvalid());
  }
  const dynamic = project?.["dynamic"];
  const poetry = ((parsed["tool"] as TOML.JsonMap | undefined)?.["poetry"] as TOML.JsonMap | undefined)?.["dependencies"] as TOML.JsonMap | undefined;
  return {
    dependencies: raw as string[] | undefined,
    dynamicDependencies: Array.isArray(dynamic) && (dynamic as unknown[]).includes("dependencies"),
    poetryDependencies: Object.keys(poetry ?? {}).filter((name) => name.toLowerCase() !== "python"),
  };
}

/** Does this pyproject.toml declare dependencies (ruff or pytest settings alone do not)? */
function declaresDependencies(pyproject: Pyproject): boolean {
  return (pyproject.dependencies ?? []).length > 0 || pyproject.dynamicDependencies || pyproject.poetryDependencies.length > 0;
}

/** Pure: the one source to install from, or the error that says why there is none. */
export function chooseDependencySource(files: DependencyFiles): DependencySource {
  const { texts } = files;
  const pyprojectText = texts["pyproject.toml"];
  const pyproject = pyprojectText === undefined ? undefined : parsePyproject(pyprojectText);
  for (const lock of ["uv.lock", "poetry.lock"] as const) {
    if (texts[lock] !== undefined && pyprojectText === undefined) throw new BuildpackError("dependencies-invalid", errors.lockWithoutPyproject(lock));
  }
  // Every file that declares dependencies, in SOURCE_KINDS order.
  const declaring: SourceKind[] = [];
  if (texts["uv.lock"] !== undefined) declaring.push("uv.lock");
  if (texts["poetry.lock"] !== undefined) declaring.push("poetry.lock");
  const locked = declaring.length > 0;
  // A lock's pyproject.toml is part of the lock, not a second source.
  if (!locked && pyproject !== undefined && declaresDependencies(pyproject)) declaring.push("pyproject.toml");
  const requirements = texts["requirements.txt"];
  if (requirements !== undefined && requirementLines(requirements).length > 0) declaring.push("requirements.txt");

  let chosen: SourceKind | undefined;
  if (files.setting !== undefined) {
    const setting = files.setting.trim();
    if (!(SOURCE_KINDS as readonly string[]).includes(setting)) throw new BuildpackError("dependencies-invalid", errors.sourceSettingInvalid(files.setting));
    chosen = setting as SourceKind;
    if (texts[chosen] === undefined) throw new BuildpackError("dependencies-invalid", errors.sourceSettingMissing(chosen));
  } else if (declaring.length > 1) {
    throw new BuildpackError("dependencies-conflict", errors.sourcesConflict(declaring));
  } else {
    chosen = declaring[0];
  }

  if (chosen === undefined) {
    if (files.unsupported.length > 0) throw new BuildpackError("dependencies-unsupported", errors.sourceUnsupported(files.unsupported));
    return { kind: "none" };
  }
  switch (chosen) {
    case "uv.lock":
    case "poetry.lock":
      return { kind: chosen, pyproject: pyprojectText as string, lock: texts[chosen] as string };
    case "pyproject.toml": {
      const found = pyproject as Pyproject;
      if (found.poetryDependencies.length > 0 && (found.dependencies ?? []).length === 0) {
        throw new BuildpackError("dependencies-invalid", errors.poetryWithoutLock(found.poetryDependencies));
      }
      if (found.dynamicDependencies) throw new BuildpackError("dependencies-invalid", errors.dynamicDependencies());
      return { kind: "pyproject.toml", pyproject: pyprojectText as string, dependencies: found.dependencies ?? [] };
    }
    case "requirements.txt":
      return { kind: "requirements.txt", content: requirements as string };
  }
}

/** Reads the candidate files of the app directory (UTF-8 checked) and the choice setting. */
export function readDependencyFiles(fs: FileSystem, appDir: string, setting: string | undefined): DependencyFiles {
  const texts: Partial<Record<SourceKind, string>> = {};
  for (const name of SOURCE_KINDS) {
    const file = path.join(appDir, name);
    const kind = fs.kind(file);
    if (kind === undefined) continue;
    if (kind !== "file") throw new BuildpackError("requirements-unreadable", errors.requirementsNotAFile(name));
    const bytes = fs.readFile(file);
    const text = bytes.toString("utf8");
    if (Buffer.compare(Buffer.from(text, "utf8"), bytes) !== 0) throw new BuildpackError("requirements-unreadable", errors.requirementsNotUtf8(name));
    texts[name] = text;
  }
  const unsupported = UNSUPPORTED_FILES.filter((name) => fs.kind(path.join(appDir, name)) !== undefined);
  return { texts, unsupported, setting };
}
