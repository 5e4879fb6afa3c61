import { createLogger, type Logger } from "../../src/log";
import { sideBySide, type Step } from "../../src/side-by-side";

function captured(): { logger: Logger; text: () => string } {
  let out = "";
  return { logger: createLogger((t) => (out += t)), text: () => out };
}

/** A step that logs, waits `ms`, logs again, then fails with `error` if given; records when it ran. */
function step(name: string, ms: number, events: string[], error?: Error): Step {
  return async (logger) => {
    logger.header(name);
    events.push(`${name} started`);
    logger.command([name, "--go"]);
    await new Promise((resolve) => setTimeout(resolve, ms));
    events.push(`${name} ended`);
    logger.info(`${name} done`);
    logger.output(`output of ${name}`);
    if (error) throw error;
  };
}

describe("sideBySide", () => {
  it("starts every step at once and prints each step's log whole, in the steps' order", async () => {
    const events: string[] = [];
    const log = captured();
    await sideBySide(log.logger, [step("slow", 40, events), step("fast", 1, events)]);
    expect(events).toEqual(["slow started", "fast started", "fast ended", "slow ended"]);
    expect(log.text()).toBe(
      "[slow]\n  $ slow --go\n  slow done\n      output of slow\n\n[fast]\n  $ fast --go\n  fast done\n      output of fast\n",
    );
  });

  it("raises the first failure in the steps' order and prints nothing after it, once every step has ended", async () => {
    const events: string[] = [];
    const log = captured();
    const first = new Error("first");
    const promise = sideBySide(log.logger, [step("a", 1, events), step("b", 30, events, first), step("c", 1, events, new Error("later"))]);
    await expect(promise).rejects.toBe(first);
    expect(events).toContain("b ended");
    expect(log.text()).toBe("[a]\n  $ a --go\n  a done\n      output of a\n\n[b]\n  $ b --go\n  b done\n      output of b\n");
  });

  it("keeps error lines in place", async () => {
    const log = captured();
    await sideBySide(log.logger, [async (logger) => logger.error("careful")]);
    expect(log.text()).toBe("\ncareful\n");
  });
});
