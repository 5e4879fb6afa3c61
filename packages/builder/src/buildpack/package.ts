import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import tar from "tar-stream";
import { imageConfig } from "../image/image-config";
import { type Blob, sha256File, tarStream, writeBlob } from "../image/layer-tar";
import { OCI_LAYER_GZIP, ociLayout } from "../image/oci-layout";
import { errors } from "../messages";
import { type BuildpackInfo, escapeId } from "../model";
import { LABEL, renderBuildpackLayers, renderBuildpackageMetadata } from "../render/labels";
import { buildpackLayerEntries, readBuildpackDescriptor } from "./buildpack";

export interface Buildpackage {
  file: string;
  digest: string; // sha256 of the .cnb file
  buildpack: BuildpackInfo;
  /** The buildpack's layer, uncompressed: the bytes the .cnb gzips (diff ID = buildpack.diffId). */
  layer: Blob;
  /** The .cnb was already there for this layer, so it was not written again. */
  reused: boolean;
}

/**
 * Beside each .cnb: "<format> <layer diff ID> <.cnb digest>". The .cnb is a function of the
 * layer (buildpack.toml, hence every label, is inside it) and of this packager: bump the
 * format when the packager's output changes.
 */
const STAMP_FORMAT = "kn-fn-cnb/1";

const CREATED = new Date("1980-01-01T00:00:01Z");

/** Writes the buildpack directory as `<outDir>/<escaped id>-<version>.cnb`. */
export async function packageBuildpack(bpDir: string, outDir: string): Promise<Buildpackage> {
  const desc = readBuildpackDescriptor(bpDir);
  const work = join(outDir, ".work");
  mkdirSync(work, { recursive: true });
  const layerTar = await writeBlob(tarStream(buildpackLayerEntries(bpDir, desc)), join(work, "buildpack-layer.tar"));
  const buildpack: BuildpackInfo = { ...desc, diffId: layerTar.digest };
  const file = join(outDir, `${escapeId(desc.id)}-${desc.version}.cnb`);
  // Gzipping the layer is most of the work (the bundled Node.js is ~100 MB): skip it when
  // the .cnb on disk is the one this layer makes.
  const existing = await unchangedCnb(file, layerTar.digest);
  if (existing !== undefined) return { file, digest: existing, buildpack, layer: layerTar, reused: true };
  const gz = await writeBlob(tarStream(buildpackLayerEntries(bpDir, desc)), join(work, "buildpack-layer.tar.gz"), createGzip({ level: 6 }));
  const config = imageConfig({
    created: CREATED,
    config: {
      Labels: {
        [LABEL.buildpackageMetadata]: renderBuildpackageMetadata(buildpack),
        [LABEL.buildpackLayers]: renderBuildpackLayers([buildpack]),
      },
    },
    diffIds: [layerTar.digest],
  });
  const layout = ociLayout({ config, layers: [{ ...gz, mediaType: OCI_LAYER_GZIP }] });
  const cnb = await writeBlob(layout.stream, file);
  writeFileSync(stampFile(file), `${STAMP_FORMAT} ${layerTar.digest} ${cnb.digest}\n`);
  return { file, digest: cnb.digest, buildpack, layer: layerTar, reused: false };
}

const stampFile = (cnbFile: string) => `${cnbFile}.stamp`;

/** The .cnb's digest when `file` was written by this packager for this layer and is unchanged since. */
async function unchangedCnb(file: string, diffId: string): Promise<string | undefined> {
  if (!existsSync(file) || !existsSync(stampFile(file))) return undefined;
  const [format, stampedDiffId, stampedDigest] = readFileSync(stampFile(file), "utf8").trim().split(" ");
  if (format !== STAMP_FORMAT || stampedDiffId !== diffId) return undefined;
  return (await sha256File(file)) === stampedDigest ? stampedDigest : undefined;
}

/** Reads a .cnb back: its buildpack info and its layer, un-gzipped to `outTar` (same bytes as packaged). */
export async function readBuildpackage(cnbFile: string, outTar: string): Promise<{ buildpack: BuildpackInfo; layer: Blob }> {
  const files = new Map<string, Buffer>();
  let layerBlobName: string | undefined;
  // Pass 1: small JSON files.
  await eachEntry(cnbFile, async (name, stream) => {
    if (name === "index.json" || (name.startsWith("blobs/sha256/") && !name.endsWith(".tar"))) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of stream) {
        size += (c as Buffer).length;
        if (size < 4 * 1024 * 1024) chunks.push(c as Buffer);
      }
      if (size < 4 * 1024 * 1024) files.set(name, Buffer.concat(chunks));
    } else stream.resume();
  });
  const json = (name: string) => {
    const b = files.get(name);
    if (!b) throw errors.cnbInvalid(cnbFile, `${name} is missing`);
    return JSON.parse(b.toString()) as Record<string, unknown>;
  };
  const blobName = (d: unknown) => `blobs/sha256/${String(d).replace(/^sha256:/, "")}`;
  const index = json("index.json") as { manifests: { digest: string }[] };
  const manifest = json(blobName(index.manifests[0]?.digest)) as { config: { digest: string }; layers: { digest: string }[] };
  const config = json(blobName(manifest.config.digest)) as {
    config: { Labels: Record<string, string> };
    rootfs: { diff_ids: string[] };
  };
  const layersLabel = config.config.Labels?.[LABEL.buildpackLayers];
  if (!layersLabel) throw errors.cnbInvalid(cnbFile, `label ${LABEL.buildpackLayers} is missing`);
  const layers = JSON.parse(layersLabel) as Record<string, Record<string, Omit<BuildpackInfo, "id" | "version"> & { layerDiffID: string }>>;
  const [id, versions] = Object.entries(layers)[0] ?? [];
  const [version, info] = Object.entries(versions ?? {})[0] ?? [];
  if (!id || !version || !info) throw errors.cnbInvalid(cnbFile, "no buildpack in the layers label");
  const i = config.rootfs.diff_ids.indexOf(info.layerDiffID);
  if (i < 0) throw errors.cnbInvalid(cnbFile, `layerDiffID ${info.layerDiffID} is not among rootfs.diff_ids`);
  layerBlobName = blobName(manifest.layers[i]?.digest);
  let layer: Blob | undefined;
  await eachEntry(cnbFile, async (name, stream) => {
    if (name === layerBlobName) layer = await writeBlob(stream as unknown as Readable, outTar, createGunzip());
    else stream.resume();
  });
  if (!layer) throw errors.cnbInvalid(cnbFile, `${layerBlobName} is missing`);
  if (layer.digest !== info.layerDiffID) throw errors.cnbInvalid(cnbFile, `layer hashes to ${layer.digest}, label says ${info.layerDiffID}`);
  const buildpack: BuildpackInfo = {
    id,
    version,
    api: info.api,
    targets: info.targets ?? [],
    diffId: info.layerDiffID,
    ...(info.name ? { name: info.name } : {}),
    ...(info.homepage ? { homepage: info.homepage } : {}),
  };
  return { buildpack, layer };
}

export async function eachEntry(
  tarFile: string,
  fn: (name: string, stream: NodeJS.ReadableStream) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => {
    extract.on("finish", res);
    extract.on("error", rej);
  });
  extract.on("entry", (h, stream, next) => {
    fn(h.name.replace(/^\.\//, ""), stream as unknown as NodeJS.ReadableStream).then(
      () => next(),
      (err: unknown) => extract.destroy(err as Error),
    );
  });
  createReadStream(tarFile).pipe(extract);
  await done;
}
