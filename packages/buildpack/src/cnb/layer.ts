// <layers>/<name>.toml (Buildpack API 0.10): [types] and [metadata]. A restored layer's toml
// comes back without [types], so every build writes it again (cnb.md, "Restore").
import * as path from "node:path";
import * as TOML from "@iarna/toml";
import type { FileSystem } from "../io";

export interface LayerTypes {
  launch: boolean;
  build: boolean;
  cache: boolean;
}

export type LayerMetadata = Record<string, string>;

export interface LayerToml {
  types: LayerTypes;
  metadata: LayerMetadata;
}

export function layerDir(layersDir: string, name: string): string {
  return path.join(layersDir, name);
}

export function layerTomlPath(layersDir: string, name: string): string {
  return path.join(layersDir, `${name}.toml`);
}

/** Pure: the toml text, keys sorted so the bytes depend only on the values. */
export function renderLayerToml(layer: LayerToml): string {
  const metadata: Record<string, string> = {};
  for (const key of Object.keys(layer.metadata).sort()) metadata[key] = layer.metadata[key] as string;
  return TOML.stringify({ types: { ...layer.types }, metadata } as TOML.JsonMap);
}

/** Pure: the [metadata] table of a layer toml, string values only (what this buildpack writes). */
export function parseLayerMetadata(text: string): LayerMetadata | undefined {
  let parsed: TOML.JsonMap;
  try {
    parsed = TOML.parse(text);
  } catch {
    return undefined;
  }
  const metadata = parsed["metadata"];
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return undefined;
  const result: LayerMetadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === "string") result[key] = value;
  }
  return result;
}

export function readLayerMetadata(fs: FileSystem, layersDir: string, name: string): LayerMetadata | undefined {
  const file = layerTomlPath(layersDir, name);
  if (fs.kind(file) !== "file") return undefined;
  return parseLayerMetadata(fs.readFile(file).toString("utf8"));
}

export function writeLayerToml(fs: FileSystem, layersDir: string, name: string, layer: LayerToml): void {
  fs.writeFile(layerTomlPath(layersDir, name), renderLayerToml(layer));
}

/** Removes a layer and its toml: nothing of it is left for the lifecycle to restore or export. */
export function discardLayer(fs: FileSystem, layersDir: string, name: string): void {
  fs.remove(layerTomlPath(layersDir, name));
  fs.remove(layerDir(layersDir, name));
}

/** An empty layer directory with no toml: the toml is written only once the layer is complete. */
export function freshLayer(fs: FileSystem, layersDir: string, name: string): string {
  discardLayer(fs, layersDir, name);
  fs.mkdirp(layerDir(layersDir, name));
  return layerDir(layersDir, name);
}
