// A secret must never reach the build log: every line the buildpack prints, and every error,
// goes through a redactor that knows the build's credentials (package-index.ts) and also
// masks the userinfo of any URL, whatever printed it (uv, Poetry, a build backend).
import { BuildpackError } from "./errors";
import type { Logger } from "./log";

export const MASK = "****";
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi;

export type Redact = (text: string) => string;

/** Pure: a function that masks every secret (longest first, so no part of one is left). */
export function redactor(secrets: readonly string[]): Redact {
  const ordered = [...new Set(secrets.filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(URL_USERINFO, `$1${MASK}@`);
    for (const secret of ordered) out = out.split(secret).join(MASK);
    return out;
  };
}

export function redactingLogger(logger: Logger, redact: Redact): Logger {
  return {
    header: (title) => logger.header(redact(title)),
    info: (line) => logger.info(redact(line)),
    command: (argv) => logger.command(argv.map(redact)),
    output: (text) => logger.output(redact(text)),
    error: (text) => logger.error(redact(text)),
  };
}

/** The same error with its message redacted (what main prints). */
export function redactError(error: unknown, redact: Redact): unknown {
  if (error instanceof BuildpackError) return new BuildpackError(error.kind, redact(error.message));
  if (error instanceof Error) {
    const copy = new Error(redact(error.message));
    copy.stack = error.stack === undefined ? undefined : redact(error.stack);
    return copy;
  }
  return error;
}
