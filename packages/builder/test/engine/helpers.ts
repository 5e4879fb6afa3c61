import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = join(__dirname, "../../../..");
export const builderDir = join(__dirname, "../..");
export const buildpackDir = join(repoRoot, "packages/buildpack/dist/buildpack");
export const configFile = join(builderDir, "builder.config.toml");

/** The engine tests need what scripts/setup.sh provides; fail loudly, never skip. */
export function requireToolchain(): void {
  if (!process.env.KN_FN_LIFECYCLE_TGZ) throw new Error("KN_FN_LIFECYCLE_TGZ is not set: source ~/.cache/kn-fn/env.sh (scripts/setup.sh writes it)");
  if (!existsSync(join(buildpackDir, "buildpack.toml"))) throw new Error(`${buildpackDir} is missing: pnpm --filter @kn-fn/buildpack build`);
}

export function sh(cmd: string, args: string[], opts: { timeout?: number } = {}): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: opts.timeout ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
}
