// One error class with a union of kinds; the text comes from messages.ts.

export type ErrorKind =
  // from the handler setting and the app directory
  | "handler-conflict"
  | "handler-format"
  | "handler-outside-app"
  | "module-not-found"
  // reported by the invoker's check (static or import)
  | "function-not-found"
  | "unknown-parameters"
  | "mixed-parameters"
  | "variadic-parameters"
  | "syntax-error"
  | "import-error"
  | "not-callable"
  | "hook-signature"
  // choosing the Python version (python-version.ts)
  | "python-version-invalid"
  | "python-version-conflict"
  | "python-version-unavailable"
  | "requires-python-invalid"
  | "requires-python-unsatisfiable"
  // the build environment
  | "python-not-found"
  | "python-too-old"
  | "requirements-unreadable"
  | "ca-binding-invalid"
  | "wheelhouse-broken"
  | "check-failed"
  | "venv-failed"
  | "install-failed"
  // choosing and reading the dependency source (dependency-source.ts, lock exports)
  | "pyproject-unreadable"
  | "dependencies-invalid"
  | "dependencies-conflict"
  | "dependencies-unsupported"
  | "lock-outdated"
  | "lock-export-failed"
  | "runtime-conflict"
  | "index-binding-invalid"
  | "native-library-missing"
  | "system-packages-invalid"
  | "system-packages-unsupported"
  | "system-package-not-found"
  | "system-package-scripts"
  | "system-packages-failed"
  | "compile-failed"
  | "sbom-failed"
  | "internal";

export class BuildpackError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "BuildpackError";
  }
}

const INVOKER_KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  "handler-conflict",
  "handler-format",
  "module-not-found",
  "function-not-found",
  "unknown-parameters",
  "mixed-parameters",
  "variadic-parameters",
  "syntax-error",
  "import-error",
  "not-callable",
  "hook-signature",
]);

/** The invoker's check reports kinds the buildpack shares; anything else is a check failure. */
export function invokerErrorKind(kind: string): ErrorKind {
  return INVOKER_KINDS.has(kind) ? (kind as ErrorKind) : "check-failed";
}
