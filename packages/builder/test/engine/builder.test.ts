import { join } from "node:path";
import { writeBuilderToml } from "../../src/builder-toml";
import { loadConfig } from "../../src/config/load";
import { createBuilder } from "../../src/create-builder";
import { dockerEngine } from "../../src/docker";
import { LABEL } from "../../src/render/labels";
import { buildStack } from "../../src/stack/stack";
import { builderOutputDir, configFile, removeImages, repoRoot, requireToolchain, sh, withImages } from "./helpers";

jest.setTimeout(900_000);

const engine = dockerEngine();
const log = () => {};
const r = loadConfig(configFile);
const outDir = builderOutputDir();
const app = join(repoRoot, "templates/python/http");
const started: string[] = [];

async function answer(port: number): Promise<string> {
  for (let i = 0; i < 60; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3000) });
      return `${res.status} ${await res.text()}`;
    } catch {
      await new Promise((res) => setTimeout(res, 500));
    }
  }
  throw new Error(`nothing answered on 127.0.0.1:${port}`);
}

async function buildAndRun(image: string, extra: string[]): Promise<string> {
  sh("pack", ["build", image, "--builder", "kn-fn/builder:latest", "--trust-builder", "--pull-policy", "never", "--path", app, ...extra]);
  // No host port given: the engine picks a free one, so no run clashes with another.
  const id = sh("docker", ["run", "-d", "--rm", "-p", "127.0.0.1::8080", image]).trim();
  started.push(id);
  const published = sh("docker", ["port", id, "8080/tcp"]).trim(); // "127.0.0.1:49153"
  return answer(Number(published.slice(published.lastIndexOf(":") + 1)));
}

const labelsOf = (ref: string) =>
  JSON.parse(sh("docker", ["image", "inspect", ref, "--format", "{{json .Config.Labels}}"])) as Record<string, string>;

describe("builder image", () => {
  let id: string;
  beforeAll(async () => {
    requireToolchain();
    await buildStack(r, engine, log);
    id = (await createBuilder(r, engine, outDir, log)).id;
  });
  afterAll(() => {
    for (const c of started) sh("docker", ["rm", "-f", c]);
  });

  test("made twice (image removed in between) it has the same ID", async () => {
    // Under a name of its own: the other test files build with kn-fn/builder meanwhile.
    const twice = withImages({ builder: "kn-fn-test/builder-twice" });
    removeImages(twice.images.builder);
    try {
      expect((await createBuilder(twice, engine, builderOutputDir(), log)).id).toBe(id);
      removeImages(twice.images.builder);
      const again = await createBuilder(twice, engine, builderOutputDir(), log);
      expect(again.id).toBe(id);
      expect((await engine.inspect("kn-fn-test/builder-twice:latest"))?.id).toBe(id);
    } finally {
      removeImages(twice.images.builder);
    }
  });

  test("pack builder inspect shows the buildpack, the order, the run image and the lifecycle", () => {
    const out = sh("pack", ["builder", "inspect", "kn-fn/builder:latest"]);
    expect(out).toContain("kn-fn/run:0.1.0");
    expect(out).toMatch(new RegExp(`Lifecycle:\\s+Version:\\s+${process.env.KN_FN_LIFECYCLE_VERSION?.replace(/\./g, "\\.")}`));
    expect(out).toMatch(/kn-fn\/python-function\s+kn-fn Python function\s+0\.1\.0/);
    expect(out).toMatch(/Detection Order:\s+└ Group #1:\s+└ kn-fn\/python-function@0\.1\.0/);
  });

  test("config: WorkingDir /layers, user and CNB env from the build image", () => {
    const cfg = JSON.parse(sh("docker", ["image", "inspect", "kn-fn/builder:latest", "--format", "{{json .Config}}"]));
    expect(cfg.WorkingDir).toBe("/layers");
    expect(cfg.User).toBe("1000:1000");
    expect(cfg.Env).toEqual(expect.arrayContaining(["CNB_USER_ID=1000", "CNB_GROUP_ID=1000"]));
  });

  test("pack build of the HTTP template with the native builder; the app answers on 127.0.0.1", async () => {
    expect(await buildAndRun("kn-fn-test/http-native", [])).toBe("200 Hello, world!");
  });

  test("with --env (pack re-saves the builder as an ephemeral image) too", async () => {
    expect(await buildAndRun("kn-fn-test/http-env", ["--env", "PYTHON_HANDLER=handler.handler"])).toBe("200 Hello, world!");
  });


  test("pack builder create from the emitted builder.toml gives the same labels, apart from createdBy", () => {
    const toml = writeBuilderToml(r, outDir);
    sh("pack", ["builder", "create", "kn-fn-test/builder-by-pack:latest", "--config", toml, "--pull-policy", "never"]);
    const normalize = (labels: Record<string, string>) => {
      const meta = JSON.parse(labels[LABEL.builderMetadata] as string);
      delete meta.createdBy;
      return {
        meta,
        // pack re-tars the buildpack layer itself, so only the layer's diff ID may differ.
        layers: JSON.parse((labels[LABEL.buildpackLayers] as string).replace(/"layerDiffID":"sha256:[0-9a-f]{64}"/g, '"layerDiffID":"*"')),
        order: JSON.parse(labels[LABEL.buildpackOrder] as string),
      };
    };
    expect(normalize(labelsOf("kn-fn/builder:latest"))).toEqual(normalize(labelsOf("kn-fn-test/builder-by-pack:latest")));
  });
});
