import type { ResolvedConfig } from "./config/load";
import type { Engine, PushEvent } from "./docker";
import type { Log } from "./log";
import { errors, progress } from "./messages";

export interface Published {
  /** The local name, e.g. kn-fn/run:0.1.0. */
  local: string;
  /** The pushed name, e.g. 127.0.0.1:5000/kn-fn/run:0.1.0. */
  remote: string;
  /** The local image ID (the pushed manifest's config digest). */
  id: string;
  /** The manifest digest the registry returned. */
  digest: string;
}

/** "kn-fn/run:0.1.0" on "127.0.0.1:5000" → repo "127.0.0.1:5000/kn-fn/run", tag "0.1.0". */
export function remoteRef(registry: string, local: string): { repo: string; tag: string } {
  const colon = local.lastIndexOf(":");
  const slash = local.lastIndexOf("/");
  const [name, tag] = colon > slash ? [local.slice(0, colon), local.slice(colon + 1)] : [local, "latest"];
  return { repo: `${registry.replace(/\/+$/, "")}/${name}`, tag };
}

/**
 * Pushes the build and run images and the builder (every tag the config names) to `registry`.
 * All images are looked up first (IDs pinned), then tagged `<registry>/<name>:<tag>` by ID, then pushed.
 */
export async function publish(r: ResolvedConfig, registry: string, engine: Engine, log: Log): Promise<Published[]> {
  const locals = [...r.images.build, ...r.images.run, ...r.images.builder];
  const ids = new Map<string, string>();
  for (const local of locals) {
    const info = await engine.inspect(local);
    if (!info) throw errors.imageMissingLocally(local);
    ids.set(local, info.id);
  }
  log(progress.step(`publish to ${registry}`));
  const out: Published[] = [];
  for (const local of locals) {
    const id = ids.get(local) as string;
    const { repo, tag } = remoteRef(registry, local);
    const remote = `${repo}:${tag}`;
    await engine.tag(id, repo, tag);
    log(progress.pushing(local, remote));
    const started = Date.now();
    const digest = await engine.push(repo, tag, pushProgress(log));
    log(progress.pushed(remote, digest, (Date.now() - started) / 1000));
    out.push({ local, remote, id, digest });
  }
  log(progress.publishSummary(out));
  return out;
}

/** Each layer's status when it changes, and its byte count at most every 2 s while pushing. */
function pushProgress(log: Log): (e: PushEvent) => void {
  const last = new Map<string, { status: string; at: number }>();
  return (e) => {
    if (!e.id || !e.status || e.aux) return;
    const prev = last.get(e.id);
    const now = Date.now();
    const { current, total } = e.progressDetail ?? {};
    if (e.status === "Pushing" && current !== undefined && total) {
      if (prev?.status === "Pushing" && now - prev.at < 2000) return;
      last.set(e.id, { status: e.status, at: now });
      log(progress.pushLayerProgress(e.id, current, total));
      return;
    }
    if (prev?.status === e.status) return;
    last.set(e.id, { status: e.status, at: now });
    log(progress.pushLayer(e.id, e.status));
  };
}
