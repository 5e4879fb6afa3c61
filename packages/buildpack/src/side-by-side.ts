// Steps that only read what the install made (the native-library check, the import check, the
// app's bytecode, the SBOM) run side by side: each is one process, mostly CPU, so two cores do
// them in about half the time. Each step logs into its own buffer, printed whole and in the
// steps' order, so the build log reads as if they had run one after another; the first failure
// in that order is the one raised, and nothing after it is printed (as if it had not run).
import type { Logger } from "./log";

export type Step = (logger: Logger) => Promise<void>;

type Entry = { [K in keyof Logger]: [K, Parameters<Logger[K]>] }[keyof Logger];

function recordingLogger(entries: Entry[]): Logger {
  return {
    header: (title) => void entries.push(["header", [title]]),
    info: (line) => void entries.push(["info", [line]]),
    command: (argv) => void entries.push(["command", [argv]]),
    output: (text) => void entries.push(["output", [text]]),
    error: (text) => void entries.push(["error", [text]]),
  };
}

function replay(entries: readonly Entry[], logger: Logger): void {
  for (const [method, args] of entries) (logger[method] as (...a: typeof args) => void)(...args);
}

/** Runs every step at once; resolves when all have ended, rejects with the first failure in order. */
export async function sideBySide(logger: Logger, steps: readonly Step[]): Promise<void> {
  const logs = steps.map((): Entry[] => []);
  const settled = await Promise.allSettled(steps.map((step, i) => step(recordingLogger(logs[i]!))));
  for (const [i, result] of settled.entries()) {
    replay(logs[i]!, logger);
    if (result.status === "rejected") throw result.reason;
  }
}
