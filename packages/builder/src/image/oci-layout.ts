import type { Readable } from "node:stream";
import { type Blob, type TarEntry, dir, file, sha256, tarStream } from "./layer-tar";
import { type ImageConfig, serializeConfig } from "./image-config";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface OciLayer extends Blob {
  mediaType: string;
}

/** An OCI image layout as one uncompressed tar (a buildpackage `.cnb`). */
export function ociLayout(opts: { config: ImageConfig; layers: OciLayer[] }): { manifestDigest: string; stream: Readable } {
  const configBytes = serializeConfig(opts.config);
  const configDigest = sha256(configBytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
      layers: opts.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, digest: manifestDigest, size: manifest.length }],
  };
  const blob = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;
  const entries: TarEntry[] = [
    dir("blobs"),
    dir("blobs/sha256"),
    file("oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" })),
    file("index.json", JSON.stringify(index)),
    file(blob(configDigest), configBytes),
    file(blob(manifestDigest), manifest),
  ];
  const seen = new Set<string>();
  for (const l of opts.layers) {
    if (seen.has(l.digest)) continue;
    seen.add(l.digest);
    entries.push({ type: "file", path: blob(l.digest), mode: 0o644, uid: 0, gid: 0, source: l.file, size: l.size });
  }
  return { manifestDigest, stream: tarStream(entries) };
}
