import { COMMANDS, type Command, run } from "./run";
import { BuilderError, errors, usageText } from "./messages";
import { stderrLog } from "./log";
import { DEFAULT_TEMPLATE, newFunction } from "./new";

/** Parses argv and calls run() or newFunction(); nothing else. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === "-h" || command === "--help") {
      process.stdout.write(`${usageText}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "new") {
      newFunction({ ...parseNewArgs(rest), log: stderrLog });
      return 0;
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

/** `new DIR [--template NAME]`, the flag before or after DIR; the template defaults to http. */
export function parseNewArgs(args: string[]): { dir: string; template: string } {
  let dir: string | undefined;
  let template: string = DEFAULT_TEMPLATE;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = args[i + 1];
    if (arg === "--template" && value !== undefined) {
      template = value;
      i++;
    } else if (arg.startsWith("-")) throw errors.usage(`unknown or incomplete option ${JSON.stringify(arg)}`);
    else if (dir === undefined) dir = arg;
    else throw errors.newExtraArgument(dir, arg);
  }
  if (dir === undefined) throw errors.newNeedsDir();
  return { dir, template };
}
