/** What the renderers need to know, read once from the inputs. */
export interface Target {
  os: string;
  arch: string;
  distros?: { name: string; version: string }[];
}

export interface BuildpackInfo {
  id: string;
  version: string;
  api: string;
  name?: string;
  homepage?: string;
  targets: Target[];
  /** sha256 of the uncompressed layer tar. */
  diffId: string;
}

export interface LifecycleInfo {
  version: string;
  buildpackApis: { deprecated: string[]; supported: string[] };
  platformApis: { deprecated: string[]; supported: string[] };
}

export interface OrderGroupEntry {
  id: string;
  version: string;
  optional?: boolean;
}
export type Order = { group: OrderGroupEntry[] }[];

/** `kn-fn/python-function` → `kn-fn_python-function` (pack's directory escape). */
export const escapeId = (id: string) => id.replace(/\//g, "_");
