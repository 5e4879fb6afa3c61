// Detect is generous: it fails only when there is plainly no function here. A handler that is
// set but broken passes, so that build can explain it (a silent detect failure among many
// groups is the worst message there is).
import { BuildpackError } from "./errors";
import * as path from "node:path";
import { moduleFileCandidates, readHandlerSetting } from "./function-target";
import type { FileSystem } from "./io";
import { detect as text } from "./messages";

export const DETECT_PASS = 0;
export const DETECT_FAIL = 100;

export interface DetectContext {
  appDir: string;
  platformDir: string;
  fs: FileSystem;
  /** One line for the person reading a detect failure (shown at debug level or on error). */
  say(line: string): void;
}

export function detect(ctx: DetectContext): number {
  let setting;
  try {
    setting = readHandlerSetting(ctx.fs, ctx.platformDir);
  } catch (error) {
    if (error instanceof BuildpackError) {
      ctx.say(error.message); // a conflict: let build explain it again
      return DETECT_PASS;
    }
    throw error;
  }
  if (setting.source !== "default") {
    ctx.say(text.passSet(setting.source, setting.value));
    return DETECT_PASS;
  }
  const found = moduleFileCandidates("handler").find((file) => ctx.fs.kind(path.join(ctx.appDir, file)) === "file");
  if (found === undefined) {
    ctx.say(text.failNoHandler());
    return DETECT_FAIL;
  }
  ctx.say(text.passDefault(found));
  return DETECT_PASS;
}
