import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuilderConfig } from "../config/schema";
import type { ResolvedConfig } from "../config/load";
import { configCache, stackCache } from "../cache";
import type { Engine } from "../docker";
import { dockerArchive } from "../image/docker-archive";
import { type ImageConfig, imageConfig, serializeConfig } from "../image/image-config";
import type { Blob } from "../image/layer-tar";
import type { Log } from "../log";
import { progress } from "../messages";
import { file, tarStream, writeBlob } from "../image/layer-tar";
import { glStubHooks } from "./gl-stub";
import type { RootfsSpec } from "./rootfs";
import { rootfsLayer } from "./rootfs";
import { RUN_DPKG_STATUS_PATH, RUN_LIBRARIES_PATH, checkPolicyCovered, describeRunRootfs, renderRunLibraries } from "./run-libraries";

export const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface StackImage {
  role: "build" | "run";
  refs: string[];
  id: string;
  config: ImageConfig;
  layers: Blob[];
}

function sources(c: BuilderConfig): string[] {
  const s = c.stack;
  return [
    `deb ${s.mirror} ${s.suite} main`,
    `deb ${s.mirror} ${s.suite}-updates main`,
    `deb ${s["security-mirror"]} ${s.suite}-security main`,
  ];
}

/** Adds the user by editing passwd/group directly (the run image has no passwd package). */
function userHooks(u: { name: string; uid: number; gid: number }): string[] {
  return [
    `echo '${u.name}:x:${u.gid}:' >> "$1/etc/group"`,
    `echo '${u.name}:x:${u.uid}:${u.gid}:${u.name}:/home/${u.name}:/bin/sh' >> "$1/etc/passwd"`,
    `echo '${u.name}:*:1::::::' >> "$1/etc/shadow"`,
    `mkdir -p "$1/home/${u.name}" && chown ${u.uid}:${u.gid} "$1/home/${u.name}" && chmod 0755 "$1/home/${u.name}"`,
  ];
}

const NO_DOCS = [
  "path-exclude=/usr/share/doc/*",
  "path-include=/usr/share/doc/*/copyright",
  "path-exclude=/usr/share/man/*",
  "path-exclude=/usr/share/info/*",
];

export function rootfsSpecs(c: BuilderConfig): { build: RootfsSpec; run: RootfsSpec } {
  const common = { suite: c.stack.suite, sources: sources(c), sourceDateEpoch: c.stack["source-date-epoch"] };
  return {
    build: {
      ...common,
      role: "build",
      variant: "apt",
      packages: c.stack.build.packages,
      dpkgOptions: NO_DOCS,
      essentialHooks: [],
      hooks: userHooks(c.stack.build.user),
    },
    run: {
      ...common,
      role: "run",
      // "essential": dpkg and the Essential:yes set, no apt.
      variant: "essential",
      packages: c.stack.run.packages,
      essentialHooks: glStubHooks(),
      dpkgOptions: [...NO_DOCS, "path-exclude=/usr/share/locale/*", "path-exclude=/usr/share/lintian/*"],
      hooks: [...userHooks(c.stack.run.user), 'rm -rf "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old'],
    },
  };
}

export function stackLabels(c: BuilderConfig, role: "build" | "run"): Record<string, string> {
  const released = new Date(c.stack["source-date-epoch"] * 1000).toISOString().slice(0, 10);
  return {
    "io.buildpacks.base.description":
      role === "build" ? `kn-fn build image: Debian ${c.stack["distro-version"]}, Python 3, C toolchain` : `kn-fn run image: Debian ${c.stack["distro-version"]}, Python 3`,
    "io.buildpacks.base.distro.name": "debian",
    "io.buildpacks.base.distro.version": c.stack["distro-version"],
    "io.buildpacks.base.homepage": c.homepage,
    "io.buildpacks.base.id": c.stack.id,
    "io.buildpacks.base.maintainer": c.maintainer,
    "io.buildpacks.base.released": released,
    "io.buildpacks.stack.id": c.stack.id,
  };
}

export function stackImageConfig(c: BuilderConfig, role: "build" | "run", layers: Blob[]): ImageConfig {
  const user = role === "build" ? c.stack.build.user : c.stack.run.user;
  const env =
    role === "build"
      ? [PATH_ENV, `CNB_USER_ID=${user.uid}`, `CNB_GROUP_ID=${user.gid}`, `CNB_STACK_ID=${c.stack.id}`]
      : [PATH_ENV];
  const created = new Date(c.stack["source-date-epoch"] * 1000);
  return imageConfig({
    created,
    config: { User: `${user.uid}:${user.gid}`, Env: env, Cmd: ["/bin/sh"], Labels: stackLabels(c, role) },
    diffIds: layers.map((l) => l.digest),
    history: layers.map((_, i) => ({
      created: created.toISOString().replace(/\.000Z$/, "Z"),
      created_by: i === 0 ? `kn-fn-builder stack (mmdebstrap ${c.stack.suite})` : `kn-fn-builder stack (${RUN_LIBRARIES_PATH}, ${RUN_DPKG_STATUS_PATH})`,
    })),
  });
}

/**
 * Builds (or takes from the cache) both rootfs layers and loads both images. The run image
 * comes first: its shared libraries are checked against the manylinux policy, and they and its
 * dpkg status go into a second layer of the build image (RUN_LIBRARIES_PATH,
 * RUN_DPKG_STATUS_PATH), where the buildpack reads them.
 */
export async function buildStack(r: ResolvedConfig, engine: Engine, log: Log, env = process.env): Promise<{ build: StackImage; run: StackImage }> {
  const specs = rootfsSpecs(r.config);
  const runRef = r.images.run[0] as string;

  log(progress.step("run image"));
  const runLayer = await rootfsLayer(specs.run, stackCache(env), log);
  log(progress.layer("rootfs", runLayer.digest, runLayer.size));
  const { libraries, dpkgStatus } = await describeRunRootfs(runLayer.file);
  const policy = r.config.stack["manylinux-policy"];
  checkPolicyCovered(runRef, policy, libraries);
  log(progress.runLibraries(libraries.length, policy));
  const run = await loadImage(engine, { config: stackImageConfig(r.config, "run", [runLayer]), layers: [runLayer], refs: r.images.run }, log, "run", env);

  log(progress.step("build image"));
  const buildLayer = await rootfsLayer(specs.build, stackCache(env), log);
  log(progress.layer("rootfs", buildLayer.digest, buildLayer.size));
  const listing = renderRunLibraries({ rootfs: runLayer.digest, policy, libraries });
  const listLayer = await writeBlob(
    tarStream([file(RUN_LIBRARIES_PATH, listing), file(RUN_DPKG_STATUS_PATH, dpkgStatus)]),
    join(stackCache(env), `run-description-${run.id.slice(7, 19)}.tar`),
  );
  log(progress.layer("run image description", listLayer.digest, listLayer.size));
  const buildLayers = [buildLayer, listLayer];
  const build = await loadImage(engine, { config: stackImageConfig(r.config, "build", buildLayers), layers: buildLayers, refs: r.images.build }, log, "build", env);
  return { build, run };
}

/** Loads an image unless the engine already has it under that ID; keeps its config for `create`. */
export async function loadImage(
  engine: Engine,
  img: { config: ImageConfig; layers: Blob[]; refs: string[]; omit?: number },
  log: Log,
  role: "build" | "run" | "builder",
  env = process.env,
): Promise<StackImage & { seconds: number }> {
  const archive = dockerArchive({ config: img.config, layers: img.layers, repoTags: img.refs, omit: img.omit ?? 0 });
  const ref = img.refs[0] as string;
  const existing = await Promise.all(img.refs.map((t) => engine.inspect(t)));
  let seconds = 0;
  if (existing.every((e) => e?.id === archive.imageId)) {
    archive.stream.destroy();
    log(progress.cacheHit(`${ref} in the engine`, archive.imageId.slice(7), ref));
  } else {
    log(progress.loading(ref));
    const t0 = Date.now();
    await engine.load(archive.stream, ref);
    seconds = (Date.now() - t0) / 1000;
    log(progress.loaded(ref, archive.imageId, seconds));
  }
  const dir = configCache(env);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${archive.imageId.slice(7)}.json`), serializeConfig(img.config));
  return { role: role as "build", refs: img.refs, id: archive.imageId, config: img.config, layers: img.layers, seconds };
}
