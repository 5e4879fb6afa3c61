// `kn-fn-builder publish --registry` wins over [publish] registry, with the real engine: the
// CLI (main) against two registries nobody listens on, one in the config and one on the
// command line; the engine's own error names the registry it was sent to. No image is pushed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli";
import { loadConfig } from "../../src/config/load";
import { createBuilder } from "../../src/create-builder";
import { dockerEngine } from "../../src/docker";
import { buildStack } from "../../src/stack/stack";
import { builderOutputDir, configFile, requireToolchain, sh } from "./helpers";

jest.setTimeout(900_000);

const engine = dockerEngine();
const r = loadConfig(configFile);

/** A 127.0.0.1 port that was free a moment ago: nothing listens there. */
function deadRegistry(): Promise<string> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(`127.0.0.1:${port}`));
    });
  });
}

async function cli(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    return { code: await main(argv), stderr: err.join("") };
  } finally {
    spy.mockRestore();
  }
}

describe("publish --registry over [publish] registry (real engine)", () => {
  let dir: string;
  const tagged: string[] = [];

  beforeAll(async () => {
    requireToolchain();
    // Its own images, whatever ran before: from the caches when nothing changed (seconds).
    await buildStack(r, engine, () => {});
    await createBuilder(r, engine, builderOutputDir(), () => {});
    dir = mkdtempSync(join(tmpdir(), "kn-fn-publish-registry-"));
  });

  afterAll(() => {
    // The tags publish made before the push failed (whichever registry a broken CLI chose).
    for (const ref of tagged) {
      try {
        sh("docker", ["rmi", ref]);
      } catch {
        /* not made */
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the flag's registry is the one pushed to; without the flag, the config's", async () => {
    const fromConfig = await deadRegistry();
    let fromFlag = await deadRegistry();
    while (fromFlag === fromConfig) fromFlag = await deadRegistry();
    const config = join(dir, "builder.config.toml");
    writeFileSync(config, `version = "${r.config.version}"\n\n[publish]\nregistry = "${fromConfig}"\n`);
    const unreachable = (registry: string) => `[Error: registry unreachable] the Docker engine cannot reach the registry ${registry}: `;
    const first = r.images.build[0] as string; // publish tags and pushes the build image first
    tagged.push(`${fromFlag}/${first}`, `${fromConfig}/${first}`);

    const flagged = await cli("publish", "--config", config, "--registry", fromFlag, "--out", dir);
    expect(flagged.code).toBe(1);
    expect(flagged.stderr).toContain(`==> publish to ${fromFlag}\n`);
    expect(flagged.stderr).toContain(unreachable(fromFlag));
    expect(flagged.stderr).not.toContain(fromConfig);

    const configured = await cli("publish", "--config", config, "--out", dir);
    expect(configured.code).toBe(1);
    expect(configured.stderr).toContain(unreachable(fromConfig));
    expect(configured.stderr).not.toContain(fromFlag);
  });
});
