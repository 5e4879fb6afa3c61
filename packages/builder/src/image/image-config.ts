/**
 * An image config (the JSON whose sha256 is the image ID), built with a fixed key order so
 * the same inputs always give the same bytes.
 */
export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  created: string;
  config: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: { created: string; created_by: string; comment?: string; empty_layer?: boolean }[];
}

export function imageConfig(opts: {
  created: Date;
  config: ContainerConfig;
  diffIds: string[];
  history?: ImageConfig["history"];
}): ImageConfig {
  const c = opts.config;
  const config: ContainerConfig = {};
  if (c.User !== undefined) config.User = c.User;
  if (c.Env !== undefined) config.Env = [...c.Env];
  if (c.Entrypoint !== undefined) config.Entrypoint = c.Entrypoint;
  if (c.Cmd !== undefined) config.Cmd = c.Cmd;
  if (c.WorkingDir !== undefined) config.WorkingDir = c.WorkingDir;
  if (c.Labels !== undefined) config.Labels = sortedRecord(c.Labels);
  return {
    architecture: "amd64",
    os: "linux",
    created: opts.created.toISOString().replace(/\.000Z$/, "Z"),
    config,
    rootfs: { type: "layers", diff_ids: [...opts.diffIds] },
    ...(opts.history ? { history: opts.history } : {}),
  };
}

export function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k] as string]));
}

export const serializeConfig = (config: ImageConfig): Buffer => Buffer.from(JSON.stringify(config));
