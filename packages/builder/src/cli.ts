import { COMMANDS, type Command, run } from "./run";
import { BuilderError, errors, usageText } from "./messages";
import { stderrLog } from "./log";

/** Parses argv and calls run(); nothing else. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === "-h" || command === "--help") {
      process.stdout.write(`${usageText}\n`);
      return command === undefined ? 2 : 0;
    }
    if (!COMMANDS.includes(command as Command)) throw errors.usage(`unknown command ${JSON.stringify(command)}`);
    let configFile = "builder.config.toml";
    let outDir = "dist";
    let registry: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const flag = rest[i];
      const value = rest[i + 1];
      if ((flag === "--config" || flag === "--out" || flag === "--registry") && value !== undefined) {
        if (flag === "--config") configFile = value;
        else if (flag === "--registry") registry = value;
        else outDir = value;
        i++;
      } else throw errors.usage(`unknown or incomplete option ${JSON.stringify(flag)}`);
    }
    await run({ command: command as Command, configFile, outDir, log: stderrLog, registry });
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof BuilderError ? e.message : (e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
