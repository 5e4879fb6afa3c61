import { homedir } from "node:os";
import { join } from "node:path";

/** Tool caches live outside the repo: $KN_FN_CACHE or ~/.cache/kn-fn. */
export const cacheRoot = (env: NodeJS.ProcessEnv = process.env) => env.KN_FN_CACHE || join(homedir(), ".cache", "kn-fn");
export const stackCache = (env?: NodeJS.ProcessEnv) => join(cacheRoot(env), "stack");
export const configCache = (env?: NodeJS.ProcessEnv) => join(cacheRoot(env), "stack", "configs");
