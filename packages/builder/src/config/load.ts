import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import TOML from "@iarna/toml";
import { errors } from "../messages";
import { type BuilderConfig, validateConfig } from "./schema";

/** The config with paths made absolute and image names completed. */
export interface ResolvedConfig {
  config: BuilderConfig;
  file: string;
  buildpackDirs: string[];
  lifecycleTgz: string | undefined;
  images: { build: string[]; run: string[]; builder: string[] };
}

/** Parses and validates TOML text; `file` only names it in errors. */
export function parseConfig(text: string, file: string): BuilderConfig {
  let raw: unknown;
  try {
    raw = TOML.parse(text);
  } catch (e) {
    throw errors.configToml(file, ((e as Error).message.split("\n")[0] ?? String(e)).replace(/:$/, ""));
  }
  const result = validateConfig(raw);
  if (!result.ok) throw errors.configInvalid(file, result.problems);
  return result.config;
}

export function resolveConfig(config: BuilderConfig, file: string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const base = dirname(resolve(file));
  const tags = (repo: string, own?: string[]) => (own ?? [config.version, "latest"]).map((t) => `${repo}:${t}`);
  const tgz = config.lifecycle.tgz ?? env.KN_FN_LIFECYCLE_TGZ;
  return {
    config,
    file: resolve(file),
    buildpackDirs: config.buildpacks.map((b) => resolve(base, b.path)),
    lifecycleTgz: tgz === undefined || tgz === "" ? undefined : resolve(base, tgz),
    images: {
      build: tags(config.stack.build.image),
      run: tags(config.stack.run.image),
      builder: tags(config.builder.image, config.builder.tags),
    },
  };
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  if (!existsSync(file)) throw errors.configNotFound(file);
  return resolveConfig(parseConfig(readFileSync(file, "utf8"), file), file, env);
}
