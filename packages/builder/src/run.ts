import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { writeBuilderToml } from "./builder-toml";
import { packageBuildpack } from "./buildpack/package";
import { loadConfig } from "./config/load";
import { createBuilder } from "./create-builder";
import { type Engine, dockerEngine } from "./docker";
import type { Log } from "./log";
import { errors, progress } from "./messages";
import { publish } from "./publish";
import { buildStack } from "./stack/stack";

export type Command = "stack" | "package" | "create" | "toml" | "all" | "publish";
export const COMMANDS: Command[] = ["stack", "package", "create", "toml", "all", "publish"];

export interface RunOptions {
  command: Command;
  configFile: string;
  outDir: string;
  log: Log;
  engine?: Engine;
  env?: NodeJS.ProcessEnv;
  /** publish: HOST[:PORT]; overrides [publish] registry. */
  registry?: string;
}

/** One command, as the CLI and the tests call it. */
export async function run(o: RunOptions): Promise<void> {
  const env = o.env ?? process.env;
  const r = loadConfig(o.configFile, env);
  const outDir = resolve(o.outDir);
  mkdirSync(outDir, { recursive: true });
  const engine = () => o.engine ?? dockerEngine();
  const rows: { name: string; id: string; size: number }[] = [];
  const sizeOf = async (ref: string) => (await engine().inspect(ref))?.size ?? 0;
  switch (o.command) {
    case "package":
      for (const dir of r.buildpackDirs) {
        const pkg = await packageBuildpack(dir, outDir);
        o.log(pkg.reused ? progress.reused(`${pkg.file} ${pkg.digest}`, "the buildpack layer is unchanged") : progress.wrote(`${pkg.file} ${pkg.digest}`));
      }
      return;
    case "toml":
      o.log(progress.wrote(writeBuilderToml(r, outDir)));
      return;
    case "stack": {
      const s = await buildStack(r, engine(), o.log, env);
      for (const img of [s.build, s.run]) rows.push({ name: img.refs[0] as string, id: img.id, size: await sizeOf(img.id) });
      break;
    }
    case "create": {
      const b = await createBuilder(r, engine(), outDir, o.log, env);
      rows.push({ name: b.refs[0] as string, id: b.id, size: await sizeOf(b.id) });
      break;
    }
    case "all": {
      const s = await buildStack(r, engine(), o.log, env);
      const b = await createBuilder(r, engine(), outDir, o.log, env);
      o.log(progress.wrote(writeBuilderToml(r, outDir)));
      for (const img of [s.build, s.run, b]) rows.push({ name: img.refs[0] as string, id: img.id, size: await sizeOf(img.id) });
      break;
    }
    case "publish": {
      const registry = o.registry ?? r.config.publish.registry;
      if (!registry) throw errors.noRegistry();
      await publish(r, registry, engine(), o.log);
      return;
    }
    default:
      throw errors.usage(`unknown command ${String(o.command)}`);
  }
  o.log(
    progress.summary(
      rows,
      `pack build <image> --builder ${r.images.builder.at(-1)} --trust-builder --pull-policy never --path <function dir>`,
    ),
  );
}
