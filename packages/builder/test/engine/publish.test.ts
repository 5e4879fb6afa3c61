import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load";
import { createBuilder } from "../../src/create-builder";
import { dockerEngine } from "../../src/docker";
import { type Published, publish } from "../../src/publish";
import { run } from "../../src/run";
import { buildStack } from "../../src/stack/stack";
import { builderOutputDir, configFile, requireToolchain, sh } from "./helpers";

jest.setTimeout(900_000);

const engine = dockerEngine();
const r = loadConfig(configFile);
const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function waitForRegistry(base: string, proc: ChildProcess, logs: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode}:\n${logs()}`);
    try {
      const res = await fetch(`${base}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`docker-registry did not answer on ${base}:\n${logs()}`);
}

describe("publish to Debian's docker-registry on 127.0.0.1", () => {
  let registry: string;
  let base: string;
  let proc: ChildProcess | undefined;
  let dir: string;
  let output = "";
  const lines: string[] = [];
  let published: Published[] = [];

  beforeAll(async () => {
    requireToolchain();
    // The images it pushes are made here; no other test file removes kn-fn/* (helpers.ts withImages).
    await buildStack(r, engine, () => {});
    await createBuilder(r, engine, builderOutputDir(), () => {});
    const port = await freePort();
    registry = `127.0.0.1:${port}`;
    base = `http://${registry}`;
    dir = mkdtempSync(join(tmpdir(), "kn-fn-registry-"));
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${join(dir, "storage")}`,
        "http:",
        `  addr: ${registry}`,
        "",
      ].join("\n"),
    );
    proc = spawn("/usr/bin/docker-registry", ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout?.on("data", (c) => (output += String(c)));
    proc.stderr?.on("data", (c) => (output += String(c)));
    await waitForRegistry(base, proc, () => output);
    published = await publish(r, registry, engine, (l) => lines.push(l));
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((res) => proc?.once("exit", res));
      proc.kill("SIGKILL");
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    const remotes = published.map((p) => p.remote);
    if (remotes.length) sh("docker", ["rmi", ...remotes]);
  });

  test("every tag of build, run and builder is pushed as 127.0.0.1:PORT/kn-fn/...", () => {
    expect(published.map((p) => p.remote)).toEqual(
      [...r.images.build, ...r.images.run, ...r.images.builder].map((ref) => `${registry}/${ref}`),
    );
    expect(lines[0]).toBe(`==> publish to ${registry}`);
    expect(lines.some((l) => /^ {6}[0-9a-f]{12} (Pushed|Layer already exists)$/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith("    pushed ")).length).toBe(6);
    expect(lines.at(-1)).toMatch(/^==> published\n/);
  });

  test("the registry's manifests have the local image IDs as config digests", async () => {
    for (const p of published) {
      const [repo, tag] = [p.remote.slice(registry.length + 1, p.remote.lastIndexOf(":")), p.remote.slice(p.remote.lastIndexOf(":") + 1)];
      const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { headers: { Accept: MANIFEST_V2 } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(MANIFEST_V2);
      expect(res.headers.get("docker-content-digest")).toBe(p.digest);
      const manifest = (await res.json()) as { schemaVersion: number; config: { digest: string }; layers: unknown[] };
      expect(manifest.schemaVersion).toBe(2);
      const local = await engine.inspect(p.local);
      expect(manifest.config.digest).toBe(local?.id);
      expect(manifest.config.digest).toBe(p.id);
      expect(manifest.layers.length).toBeGreaterThan(0);
    }
  });

  test("a registry that is not there: registry unreachable", async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    await expect(run({ command: "publish", configFile, outDir: dir, log: () => {}, engine, registry: nobody })).rejects.toThrow(
      `[Error: registry unreachable] the Docker engine cannot reach the registry ${nobody}: `,
    );
    sh("docker", ["rmi", `${nobody}/${r.images.build[0]}`]);
  });
});
