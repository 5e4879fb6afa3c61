// Which Python a function runs on (issue 13), chosen purely from what the caller read
// (BP_PYTHON_VERSION, .python-version, pyproject.toml's requires-python) and the versions the
// builder ships. Groundwork: the build does not call it yet.
import { compare, satisfies, validRange } from "@renovatebot/pep440";
import { BuildpackError } from "./errors";
import { errors, log } from "./messages";

export type VersionOrigin = "BP_PYTHON_VERSION" | ".python-version" | "requires-python" | "default";

export interface VersionSources {
  /** BP_PYTHON_VERSION as set (pack build --env or project.toml [[build.env]]). */
  env?: string;
  /** The raw text of .python-version. */
  file?: string;
  /** requires-python from pyproject.toml's [project] table. */
  requiresPython?: string;
}

/** What BP_PYTHON_VERSION or .python-version asked for: 3.13 or 3.13.18. */
export interface VersionRequest {
  origin: VersionOrigin;
  value: string;
}

export interface PythonVersionChoice {
  /** One of the shipped versions, e.g. 3.13.18. */
  version: string;
  origin: VersionOrigin;
  /** requires-python when pyproject.toml has one; the version satisfies it. */
  requiresPython?: string;
  /** Lower-priority requests that agree with the chosen one (3.13 beside 3.13.18). */
  agreeing?: VersionRequest[];
}

type Role = "request" | "constraint" | "default";

// The precedence, highest first, as data (Paketo cpython's Priorities): resolution walks it and
// the log names its settable origins. Every origin's wording is in messages.ts.
const ORIGINS: ReadonlyArray<{ origin: VersionOrigin; role: Role; read: (sources: VersionSources) => string | undefined }> = [
  { origin: "BP_PYTHON_VERSION", role: "request", read: (s) => (s.env === undefined ? undefined : parseVersionSetting(s.env)) },
  { origin: ".python-version", role: "request", read: (s) => (s.file === undefined ? undefined : parsePythonVersionFile(s.file)) },
  { origin: "requires-python", role: "constraint", read: (s) => s.requiresPython },
  { origin: "default", role: "default", read: () => undefined },
];

// The uv/pyenv forms this builder reads: a minor (3.13) or an exact version (3.13.18).
const VERSION_FORM = /^(0|[1-9]\d*)\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/;

// Minors with no current source this builder could build from: Debian's archive has no 3.12,
// and an old, unpatched build from elsewhere is not shipped (issue 13). Their error says so.
const MINORS_WITHOUT_SOURCE: ReadonlySet<string> = new Set(["3.12"]);

/** The first line of .python-version that is neither blank nor a comment, trimmed, in a form this builder reads. */
export function parsePythonVersionFile(text: string): string {
  // trim() also drops the \r of CRLF and a UTF-8 byte order mark.
  const lines = text.split(/\r\n|\n|\r/).map((line) => line.trim());
  const index = lines.findIndex((line) => line !== "" && !line.startsWith("#"));
  if (index === -1) throw new BuildpackError("python-version-invalid", errors.pythonVersionFileEmpty());
  const line = lines[index] as string;
  if (!VERSION_FORM.test(line)) throw new BuildpackError("python-version-invalid", errors.pythonVersionFileInvalid(index + 1, line));
  return line;
}

function parseVersionSetting(value: string): string {
  const version = value.trim();
  if (!VERSION_FORM.test(version)) throw new BuildpackError("python-version-invalid", errors.pythonVersionSettingInvalid(value));
  return version;
}

/**
 * Precedence: BP_PYTHON_VERSION, then .python-version; requires-python only constrains (the
 * default when it satisfies it, else the newest shipped version that does). Sources that
 * disagree fail, naming both. Every source is read, so a broken one fails even when outranked.
 * Errors come in this order: each source's form, requires-python against the shipped versions,
 * the requests against each other, availability, the chosen version against requires-python.
 */
export function resolvePythonVersion(sources: VersionSources, shipped: string[], defaultMinor: string): PythonVersionChoice {
  const all = [...shipped].sort(compare);
  const given = ORIGINS.map(({ origin, role, read }) => ({ origin, role, value: read(sources) }));
  const requests = given.flatMap(({ origin, role, value }) => (role === "request" && value !== undefined ? [{ origin, value }] : []));
  const requiresPython = given.find((g) => g.role === "constraint")?.value;
  const satisfying = requiresPython === undefined ? all : shippedSatisfying(requiresPython, all);
  const constraint = requiresPython === undefined ? {} : { requiresPython };

  const [request, ...agreeing] = mostExactFirst(requests);
  if (request !== undefined) {
    const candidates = shippedFor(request, all, defaultMinor);
    const allowed = candidates.filter((version) => satisfying.includes(version));
    if (allowed.length === 0 && requiresPython !== undefined) {
      throw new BuildpackError(
        "python-version-conflict",
        errors.pythonVersionOutsideRequiresPython(request.origin, request.value, candidates, requiresPython, satisfying),
      );
    }
    return { version: newest(allowed), origin: request.origin, ...constraint, ...(agreeing.length > 0 ? { agreeing } : {}) };
  }

  const byDefault = all.filter((version) => minorOf(version) === defaultMinor);
  if (byDefault.length === 0) throw new BuildpackError("internal", errors.defaultPythonNotShipped(defaultMinor, all));
  if (satisfying.includes(newest(byDefault))) return { version: newest(byDefault), origin: "default", ...constraint };
  return { version: newest(satisfying), origin: "requires-python", ...constraint };
}

/** The log line: which Python and why. */
export function describe(choice: PythonVersionChoice): string {
  return log.pythonVersion(
    choice,
    ORIGINS.filter((o) => o.role !== "default").map((o) => o.origin),
  );
}

// Requests agree when equal or when one is the other's minor (3.13 and 3.13.18): the exact one
// is chosen, the higher precedence on a tie. Anything else names the two that differ.
function mostExactFirst(requests: VersionRequest[]): VersionRequest[] {
  for (const [i, a] of requests.entries()) {
    for (const b of requests.slice(i + 1)) {
      if (!within(a.value, b.value) && !within(b.value, a.value)) {
        throw new BuildpackError("python-version-conflict", errors.pythonVersionsDisagree(a, b));
      }
    }
  }
  // A stable sort keeps the precedence among equally exact requests.
  return [...requests].sort((a, b) => Number(isExact(b.value)) - Number(isExact(a.value)));
}

function within(version: string, request: string): boolean {
  return version === request || (!isExact(request) && minorOf(version) === request);
}

/** The shipped versions a request can mean: the exact one, or every patch of a minor. */
function shippedFor(request: VersionRequest, shipped: string[], defaultMinor: string): string[] {
  const minor = minorOf(request.value);
  const sameMinor = shipped.filter((version) => minorOf(version) === minor);
  const matching = sameMinor.filter((version) => within(version, request.value));
  if (matching.length > 0) return matching;
  throw new BuildpackError(
    "python-version-unavailable",
    errors.pythonVersionUnavailable(request.origin, request.value, minor, sameMinor, MINORS_WITHOUT_SOURCE.has(minor), shipped, defaultMinor),
  );
}

function shippedSatisfying(requiresPython: string, shipped: string[]): string[] {
  // validRange accepts "" (it matches everything); an empty requires-python is a slip, not "any".
  if (requiresPython.trim() === "" || !validRange(requiresPython)) {
    throw new BuildpackError("requires-python-invalid", errors.requiresPythonInvalid(requiresPython));
  }
  const satisfying = shipped.filter((version) => satisfies(version, requiresPython));
  if (satisfying.length === 0) {
    throw new BuildpackError("requires-python-unsatisfiable", errors.requiresPythonUnsatisfiable(requiresPython, shipped));
  }
  return satisfying;
}

function isExact(version: string): boolean {
  return version.split(".").length === 3;
}

function minorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/** The newest of a sorted, non-empty list. */
function newest(sorted: string[]): string {
  return sorted[sorted.length - 1] as string;
}
