import { spawn, spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Blob, normalizeTar, sha256, writeBlob } from "../image/layer-tar";
import type { Log } from "../log";
import { errors, progress } from "../messages";

/** Everything that decides the bytes of a rootfs; its sha256 is the cache key. */
export interface RootfsSpec {
  role: "build" | "run";
  suite: string;
  variant: "apt" | "essential";
  packages: string[];
  sources: string[];
  sourceDateEpoch: number;
  essentialHooks: string[]; // mmdebstrap --essential-hook snippets: after Essential:yes, before the packages
  hooks: string[]; // mmdebstrap --customize-hook shell snippets ($1 = the rootfs)
  dpkgOptions: string[];
}

/** Bump when the normalization of the mmdebstrap tar changes. */
const NORMALIZER = "1";

export function mmdebstrapVersion(): string {
  const r = spawnSync("mmdebstrap", ["--version"], { encoding: "utf8" });
  return (r.stdout || "").trim();
}

export function rootfsKey(spec: RootfsSpec, tool = mmdebstrapVersion()): string {
  return sha256(JSON.stringify({ spec, tool, normalizer: NORMALIZER })).slice("sha256:".length);
}

export function mmdebstrapArgs(spec: RootfsSpec, out: string, isRoot: boolean): string[] {
  return [
    `--mode=${isRoot ? "root" : "unshare"}`,
    `--variant=${spec.variant}`,
    "--format=tar",
    `--include=${spec.packages.join(",")}`,
    ...spec.dpkgOptions.map((o) => `--dpkgopt=${o}`),
    ...spec.essentialHooks.map((h) => `--essential-hook=${h}`),
    ...spec.hooks.map((h) => `--customize-hook=${h}`),
    spec.suite,
    out,
    ...spec.sources,
  ];
}

/**
 * The rootfs as a normalized layer tar, from the cache when its key matches; otherwise
 * mmdebstrap runs (minutes) and the result is cached under ~/.cache/kn-fn/stack/<key>/.
 */
export async function rootfsLayer(spec: RootfsSpec, cacheDir: string, log: Log): Promise<Blob> {
  const key = rootfsKey(spec);
  const dir = join(cacheDir, key);
  const layerFile = join(dir, "layer.tar");
  const metaFile = join(dir, "layer.json");
  if (existsSync(layerFile) && existsSync(metaFile)) {
    log(progress.cacheHit(`${spec.role} rootfs`, key, layerFile));
    const meta = JSON.parse(readFileSync(metaFile, "utf8")) as { digest: string; size: number };
    return { file: layerFile, digest: meta.digest, size: meta.size };
  }
  log(progress.cacheMiss(`${spec.role} rootfs`, key, existsSync(dir) ? "incomplete entry" : "no entry for these inputs"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, "rootfs.tar.partial");
  const args = mmdebstrapArgs(spec, raw, process.getuid?.() === 0);
  log(progress.run(`SOURCE_DATE_EPOCH=${spec.sourceDateEpoch} mmdebstrap ${args.map(shellQuote).join(" ")}`));
  await runMmdebstrap(args, spec, log);
  const partial = join(dir, "layer.tar.partial");
  const blob = await writeBlob(normalizeTar(createReadStream(raw)), partial);
  renameSync(partial, layerFile);
  rmSync(raw);
  writeFileSync(metaFile, JSON.stringify({ digest: blob.digest, size: blob.size, spec }, null, 2));
  return { ...blob, file: layerFile };
}

function runMmdebstrap(args: string[], spec: RootfsSpec, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("mmdebstrap", args, {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(spec.sourceDateEpoch) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        // mmdebstrap's own step lines ("I: …") are the progress.
        if (line.startsWith("I: ")) log(`    ${line}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(errors.mmdebstrapFailed(spec.role, code, tail.join("\n")))));
  });
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
