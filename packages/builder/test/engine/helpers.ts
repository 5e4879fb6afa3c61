import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type ResolvedConfig, resolveConfig } from "../../src/config/load";

export const repoRoot = join(__dirname, "../../../..");
export const builderDir = join(__dirname, "../..");
export const buildpackDir = join(repoRoot, "packages/buildpack/dist/buildpack");
export const configFile = join(builderDir, "builder.config.toml");

/** The engine tests need what scripts/setup.sh provides; fail loudly, never skip. */
export function requireToolchain(): void {
  if (!process.env.KN_FN_LIFECYCLE_TGZ) throw new Error("KN_FN_LIFECYCLE_TGZ is not set: source ~/.cache/kn-fn/env.sh (scripts/setup.sh writes it)");
  if (!existsSync(join(buildpackDir, "buildpack.toml"))) throw new Error(`${buildpackDir} is missing: pnpm --filter @kn-fn/buildpack build`);
}

const outputDirs: string[] = [];

/**
 * A new directory under the temp dir, removed when the test file ends. The engine tests write
 * buildpackages and builder tars of ~400 MB: left behind, a few test runs a day filled the disk.
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  outputDirs.push(dir);
  return dir;
}

/** A directory for createBuilder's output (scratchDir). */
export function builderOutputDir(): string {
  return scratchDir("builder-out-");
}

// Each test file loads this module afresh, so this runs after that file's tests.
afterAll(() => {
  for (const dir of outputDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function sh(cmd: string, args: string[], opts: { timeout?: number } = {}): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: opts.timeout ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * The builder config with some images under other names. A test that removes images removes
 * these, never kn-fn/*: jest may run the other test files at the same time, and each makes
 * and uses kn-fn/* for itself.
 */
export function withImages(images: { build?: string; run?: string; builder?: string }): ResolvedConfig {
  const config = structuredClone(loadConfig(configFile).config);
  config.stack.build.image = images.build ?? config.stack.build.image;
  config.stack.run.image = images.run ?? config.stack.run.image;
  config.builder.image = images.builder ?? config.builder.image;
  return resolveConfig(config, configFile);
}

/** docker rmi of those of `refs` the engine has (it fails on a missing one). */
export function removeImages(refs: string[]): void {
  const present = refs.filter((ref) => sh("docker", ["images", "-q", ref]).trim() !== "");
  if (present.length) sh("docker", ["rmi", "-f", ...present]);
}
