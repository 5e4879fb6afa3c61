import { createReadStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import tar from "tar-stream";
import { imageConfig } from "../image/image-config";
import { type Blob, tarStream, writeBlob } from "../image/layer-tar";
import { OCI_LAYER_GZIP, ociLayout } from "../image/oci-layout";
import { errors } from "../messages";
import { type BuildpackInfo, escapeId } from "../model";
import { LABEL, renderBuildpackLayers, renderBuildpackageMetadata } from "../render/labels";
import { buildpackLayerEntries, readBuildpackDescriptor } from "./buildpack";

export interface Buildpackage {
  file: string;
  digest: string; // sha256 of the .cnb file
  buildpack: BuildpackInfo;
}

const CREATED = new Date("1980-01-01T00:00:01Z");

/** Writes the buildpack directory as `<outDir>/<escaped id>-<version>.cnb`. */
export async function packageBuildpack(bpDir: string, outDir: string): Promise<Buildpackage> {
  const desc = readBuildpackDescriptor(bpDir);
  const work = join(outDir, ".work");
  mkdirSync(work, { recursive: true });
  const layerTar = await writeBlob(tarStream(buildpackLayerEntries(bpDir, desc)), join(work, "buildpack-layer.tar"));
  // gzip level and header are fixed by zlib, so the compressed bytes are reproducible too.
  const gz = await writeBlob(tarStream(buildpackLayerEntries(bpDir, desc)), join(work, "buildpack-layer.tar.gz"), createGzip({ level: 6 }));
  const buildpack: BuildpackInfo = { ...desc, diffId: layerTar.digest };
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
  const file = join(outDir, `${escapeId(desc.id)}-${desc.version}.cnb`);
  const cnb = await writeBlob(layout.stream, file);
  return { file, digest: cnb.digest, buildpack };
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
