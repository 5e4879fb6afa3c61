import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Buildpackage, packageBuildpack } from "./buildpack/package";
import { configCache } from "./cache";
import type { ResolvedConfig } from "./config/load";
import type { Engine } from "./docker";
import { type ImageConfig, imageConfig } from "./image/image-config";
import { type Blob, FIXED_MTIME, type TarEntry, dir, file, sha256, tarStream, writeBlob } from "./image/layer-tar";
import { readLifecycle } from "./lifecycle";
import type { Log } from "./log";
import { configProblem, errors, progress } from "./messages";
import type { BuildpackInfo, Order } from "./model";
import { renderBuilderLabels } from "./render/labels";
import { renderOrderToml } from "./render/order-toml";
import { renderRunToml } from "./render/run-toml";
import { renderStackToml } from "./render/stack-toml";
import { type StackImage, loadImage } from "./stack/stack";

/** Paths inside the builder image (pack internal/builder/builder.go). */
export const CNB_DIR = "/cnb";
export const BUILDPACKS_DIR = "/cnb/buildpacks";
export const EXTENSIONS_DIR = "/cnb/extensions";
export const LIFECYCLE_DIR = "/cnb/lifecycle";
export const ORDER_PATH = "/cnb/order.toml";
export const STACK_PATH = "/cnb/stack.toml";
export const RUN_PATH = "/cnb/run.toml";
export const PLATFORM_DIR = "/platform";
export const BUILD_CONFIG_DIR = "/cnb/build-config";
export const WORKSPACE_DIR = "/workspace";
export const LAYERS_DIR = "/layers";

export const CREATED_BY = { name: "kn-fn-builder", version: "0.1.0" };

/** The order from the config, versions filled in; by default every buildpack in one group. */
export function resolveOrder(r: ResolvedConfig, buildpacks: BuildpackInfo[]): Order {
  if (!r.config.order) return [{ group: buildpacks.map((b) => ({ id: b.id, version: b.version })) }];
  const problems: string[] = [];
  const order = r.config.order.map(({ group }, i) => ({
    group: group.map((e, j) => {
      const bp = buildpacks.find((b) => b.id === e.id && (e.version === undefined || b.version === e.version));
      if (!bp) problems.push(configProblem.orderUnknownBuildpack(`order[${i}].group[${j}].id`, e.id, buildpacks.map((b) => `${b.id}@${b.version}`)));
      return { id: e.id, version: bp?.version ?? e.version ?? "", ...(e.optional ? { optional: true } : {}) };
    }),
  }));
  if (problems.length > 0) throw errors.configInvalid(r.file, problems);
  return order;
}

function envValue(config: ImageConfig, name: string): string | undefined {
  return config.config.Env?.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

export function dirsLayerEntries(uid: number, gid: number): TarEntry[] {
  return [
    dir(WORKSPACE_DIR, 0o755, uid, gid),
    dir(LAYERS_DIR, 0o755, uid, gid),
    dir(CNB_DIR),
    dir(BUILDPACKS_DIR),
    dir(EXTENSIONS_DIR),
    dir(PLATFORM_DIR),
    dir(`${PLATFORM_DIR}/env`),
    dir(BUILD_CONFIG_DIR),
    dir(`${BUILD_CONFIG_DIR}/env`),
  ];
}

async function baseImageConfig(engine: Engine, ref: string, env: NodeJS.ProcessEnv): Promise<{ id: string; config: ImageConfig }> {
  const info = await engine.inspect(ref);
  if (!info) throw errors.imageNotFound(ref, "Run `kn-fn-builder stack` first (it builds and loads the build image).");
  const cached = join(configCache(env), `${info.id.slice(7)}.json`);
  let bytes: Buffer | undefined = existsSync(cached) ? readFileSync(cached) : undefined;
  if (!bytes || sha256(bytes) !== info.id) bytes = await engine.configBytes(ref);
  return { id: info.id, config: JSON.parse(bytes.toString()) as ImageConfig };
}

export interface BuilderResult extends StackImage {
  buildpackages: Buildpackage[];
  lifecycleVersion: string;
  seconds: number;
}

/** The recipe: base image, then one `<thing>Layer` step each, then config and labels. */
export async function createBuilder(r: ResolvedConfig, engine: Engine, outDir: string, log: Log, env = process.env): Promise<BuilderResult> {
  if (!r.lifecycleTgz) throw errors.lifecycleMissing();
  const work = join(outDir, ".work");
  mkdirSync(work, { recursive: true });
  const layer = async (name: string, entries: TarEntry[]): Promise<Blob> => {
    const blob = await writeBlob(tarStream(entries), join(work, `builder-${name}.tar`));
    log(progress.layer(name, blob.digest, blob.size));
    return blob;
  };

  log(progress.step("buildpackage"));
  const buildpackages: Buildpackage[] = [];
  for (const bpDir of r.buildpackDirs) {
    const pkg = await packageBuildpack(bpDir, outDir);
    log(pkg.reused ? progress.reused(`${pkg.file} ${pkg.digest}`, "the buildpack layer is unchanged") : progress.wrote(`${pkg.file} ${pkg.digest}`));
    buildpackages.push(pkg);
  }

  log(progress.step(`builder image on ${r.images.build[0]}`));
  const base = await baseImageConfig(engine, r.images.build[0] as string, env);
  const uid = Number(envValue(base.config, "CNB_USER_ID") ?? 1000);
  const gid = Number(envValue(base.config, "CNB_GROUP_ID") ?? 1000);
  const lifecycle = await readLifecycle(r.lifecycleTgz);

  const dirsLayer = await layer("dirs", dirsLayerEntries(uid, gid));
  const lifecycleLayer = await layer("lifecycle", lifecycle.entries);
  // Each buildpack layer is the .cnb's layer uncompressed, byte for byte (same diff ID).
  const bpLayers: { info: BuildpackInfo; blob: Blob }[] = [];
  for (const { buildpack, layer: blob } of buildpackages) {
    log(progress.layer(`buildpack ${buildpack.id}@${buildpack.version}`, blob.digest, blob.size));
    bpLayers.push({ info: buildpack, blob });
  }
  bpLayers.sort((a, b) => (`${a.info.id}@${a.info.version}` < `${b.info.id}@${b.info.version}` ? -1 : 1));
  const buildpacks = bpLayers.map((b) => b.info);
  const order = resolveOrder(r, buildpacks);
  const runImage = r.images.run[0] as string;
  const orderLayer = await layer("order.toml", [file(ORDER_PATH, renderOrderToml(order))]);
  const stackLayer = await layer("stack.toml", [file(STACK_PATH, renderStackToml(runImage))]);
  const runLayer = await layer("run.toml", [file(RUN_PATH, renderRunToml([runImage]))]);

  const labels = {
    ...(base.config.config.Labels ?? {}),
    ...renderBuilderLabels({
      description: r.config.description,
      buildpacks,
      lifecycle: lifecycle.info,
      runImage,
      createdBy: CREATED_BY,
      order,
    }),
  };
  const ours = [dirsLayer, lifecycleLayer, ...bpLayers.map((b) => b.blob), orderLayer, stackLayer, runLayer];
  const config = imageConfig({
    created: FIXED_MTIME,
    config: { ...base.config.config, WorkingDir: LAYERS_DIR, Labels: labels },
    diffIds: [...base.config.rootfs.diff_ids, ...ours.map((l) => l.digest)],
    ...(base.config.history
      ? { history: [...base.config.history, ...ours.map(() => ({ created: FIXED_MTIME.toISOString().replace(/\.000Z$/, "Z"), created_by: "kn-fn-builder create" }))] }
      : {}),
  });
  // The base layers are in the engine already (the build image is): docker load skips them.
  const baseLayers: Blob[] = base.config.rootfs.diff_ids.map((d) => ({ file: "", digest: d, size: 0 }));
  const loaded = await loadImage(
    engine,
    { config, layers: [...baseLayers, ...ours], refs: r.images.builder, omit: baseLayers.length },
    log,
    "builder",
    env,
  );
  writeFileSync(join(outDir, "builder-image.json"), JSON.stringify({ refs: loaded.refs, id: loaded.id }, null, 2));
  return { ...loaded, role: "build", buildpackages, lifecycleVersion: lifecycle.info.version };
}
