// PEP 508 environment markers, as lock exports write them (`; python_version >= "3.11" and
// sys_platform == "linux"`), evaluated for the build's target, so that a pin meant for another
// Python or platform is not held against the runtime. Pure. What this cannot read (an extra, a
// variable it does not know, a syntax it does not parse) evaluates to undefined: the caller
// then leaves the line to uv's resolver rather than guess.
import { compare, valid } from "@renovatebot/pep440";

export type MarkerEnvironment = Readonly<Record<string, string>>;

/** The build's target (linux/amd64, CPython) at a given Python version. */
export function markerEnvironment(pythonVersion: string): MarkerEnvironment {
  return {
    python_version: pythonVersion.split(".").slice(0, 2).join("."),
    python_full_version: pythonVersion,
    implementation_version: pythonVersion,
    implementation_name: "cpython",
    platform_python_implementation: "CPython",
    os_name: "posix",
    sys_platform: "linux",
    platform_system: "Linux",
    platform_machine: "x86_64",
  };
}

type Token = { kind: "string" | "name" | "op" | "paren"; value: string };

const TOKEN = /\s*(?:(["'])(.*?)\1|(\(|\))|(===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b)|([A-Za-z_][A-Za-z0-9_.]*))/y;

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null || TOKEN.lastIndex === at) return undefined;
    if (m[2] !== undefined) tokens.push({ kind: "string", value: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: "paren", value: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: "op", value: m[4].replace(/\s+/, " ") });
    else tokens.push({ kind: "name", value: m[5] as string });
  }
  return tokens;
}

const VERSION_VARIABLES = new Set(["python_version", "python_full_version", "implementation_version"]);

function comparison(left: string, op: string, right: string, versions: boolean): boolean | undefined {
  if (op === "in") return right.includes(left);
  if (op === "not in") return !right.includes(left);
  if (versions && valid(left) !== null && valid(right) !== null) {
    const order = compare(left, right);
    switch (op) {
      case "==": return order === 0;
      case "!=": return order !== 0;
      case "<": return order < 0;
      case "<=": return order <= 0;
      case ">": return order > 0;
      case ">=": return order >= 0;
      default: return undefined; // ~= and === on markers: rare enough to leave to uv
    }
  }
  switch (op) {
    case "==": case "===": return left === right;
    case "!=": return left !== right;
    default: return undefined;
  }
}

/** true/false for the environment, or undefined when the marker cannot be read here. */
export function evaluateMarker(marker: string, env: MarkerEnvironment): boolean | undefined {
  const parsed = tokenize(marker);
  if (parsed === undefined || parsed.length === 0) return undefined;
  const tokens: Token[] = parsed;
  let i = 0;
  const value = (): { text: string; version: boolean } | undefined => {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t.kind === "string") return { text: t.value, version: false };
    if (t.kind === "name" && env[t.value] !== undefined) return { text: env[t.value] as string, version: VERSION_VARIABLES.has(t.value) };
    return undefined;
  };
  const atom = (): boolean | undefined => {
    if (tokens[i]?.kind === "paren" && tokens[i]?.value === "(") {
      i++;
      const inner = or();
      if (tokens[i++]?.value !== ")") return undefined;
      return inner;
    }
    const left = value();
    const op = tokens[i++];
    const right = value();
    if (left === undefined || op?.kind !== "op" || right === undefined) return undefined;
    return comparison(left.text, op.value, right.text, left.version || right.version);
  };
  const and = (): boolean | undefined => {
    let result = atom();
    while (tokens[i]?.value === "and") {
      i++;
      const next = atom();
      result = result === false || next === false ? false : result === undefined || next === undefined ? undefined : true;
    }
    return result;
  };
  function or(): boolean | undefined {
    let result = and();
    while (tokens[i]?.value === "or") {
      i++;
      const next = and();
      result = result === true || next === true ? true : result === undefined || next === undefined ? undefined : false;
    }
    return result;
  }
  const result = or();
  return i === tokens.length ? result : undefined;
}
