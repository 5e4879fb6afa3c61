import type { Readable } from "node:stream";
import { type Blob, type TarEntry, file, sha256, tarStream } from "./layer-tar";
import { type ImageConfig, serializeConfig } from "./image-config";

/**
 * A `docker save`-style archive (the only format `docker load` takes on Engine 20.10):
 * manifest.json with Config, RepoTags, Layers; the config JSON; one `<diffID>/layer.tar`
 * per layer. Layers the engine already has may be left out (`omit`): docker load checks
 * for a layer's chain ID before it opens the layer file (moby image/tarexport/load.go).
 */
export interface DockerArchive {
  imageId: string;
  stream: Readable;
}

export function dockerArchive(opts: {
  config: ImageConfig;
  layers: Blob[]; // one per diff ID, in order; the blob's digest is the diff ID
  repoTags: string[];
  omit?: number; // the first `omit` layers are not written into the archive
}): DockerArchive {
  const configBytes = serializeConfig(opts.config);
  const imageId = sha256(configBytes);
  const configName = `${imageId.slice("sha256:".length)}.json`;
  const diffIds = opts.config.rootfs.diff_ids;
  const layerNames = diffIds.map((d) => `${d.slice("sha256:".length)}/layer.tar`);
  const manifest = [{ Config: configName, RepoTags: opts.repoTags, Layers: layerNames }];
  const entries: TarEntry[] = [file(configName, configBytes), file("manifest.json", JSON.stringify(manifest))];
  const seen = new Set<string>();
  opts.layers.forEach((layer, i) => {
    const name = layerNames[i] as string;
    if (layer.digest !== diffIds[i]) throw new Error(`layer ${i} digest ${layer.digest} != diff ID ${diffIds[i]}`);
    if (i < (opts.omit ?? 0) || seen.has(name)) return;
    seen.add(name);
    entries.push({ type: "file", path: name, mode: 0o644, uid: 0, gid: 0, source: layer.file, size: layer.size });
  });
  return { imageId, stream: tarStream(entries) };
}
