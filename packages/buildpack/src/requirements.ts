// Reading requirements files (pip's format, which uv and the lock exporters write): which lines
// ask for something, which other files they pull in, and which versions they pin exactly.
// Pure: text in, values out.
import { evaluateMarker, type MarkerEnvironment } from "./markers";

/**
 * The logical lines that ask the installer for something: continuations (`\` at the end)
 * joined, comments and blank lines dropped. A file of only comments is no requirements:
 * installed offline, like an empty one (a template's comment must not make the build ask an
 * index).
 */
export function requirementLines(content: string): string[] {
  return content
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "");
}

const INCLUDE = /^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/;

/** Files a requirements file pulls in with -r/-c (relative to it), as written. */
export function includedFiles(content: string): string[] {
  return requirementLines(content)
    .map((line) => INCLUDE.exec(line)?.[1])
    .filter((file): file is string => file !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(file));
}

/** PEP 503 normalised name: what pip, uv and PyPI compare. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.+!_-]+)\s*(?:;\s*(.*?))?\s*(?:--hash\S*\s*)*$/;

/**
 * `name==version` lines, as a lock exporter writes them: normalised name -> version. With an
 * environment, a line whose marker is false there is left out (a pin for another Python), and
 * so is one whose marker cannot be read here; without one, every pin counts. A name pinned
 * twice under markers that both hold keeps both versions.
 */
export function exactPins(content: string, env?: MarkerEnvironment): Map<string, string[]> {
  const pins = new Map<string, string[]>();
  for (const line of requirementLines(content)) {
    const match = PIN.exec(line);
    if (match === null) continue;
    const marker = match[3];
    if (env !== undefined && marker !== undefined && marker !== "" && evaluateMarker(marker, env) !== true) continue;
    const name = normalizeName(match[1] as string);
    const versions = pins.get(name) ?? [];
    if (!versions.includes(match[2] as string)) versions.push(match[2] as string);
    pins.set(name, versions);
  }
  return pins;
}
