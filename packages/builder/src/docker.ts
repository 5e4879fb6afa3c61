import type { Readable } from "node:stream";
import Docker from "dockerode";
import tar from "tar-stream";
import { sha256 } from "./image/layer-tar";
import { errors } from "./messages";

/** The only module that talks to the Docker engine. */
export interface Engine {
  load(stream: Readable, ref: string): Promise<void>;
  inspect(ref: string): Promise<{ id: string; size: number; tags: string[] } | undefined>;
  /** The image's config JSON bytes exactly (their sha256 is the image ID), from `docker save`. */
  configBytes(ref: string): Promise<Buffer>;
  remove(ref: string): Promise<void>;
  /** Adds `repo:tag` to the image `ref` (a name or an ID). */
  tag(ref: string, repo: string, tag: string): Promise<void>;
  /** `docker push repo:tag`; every JSON message of the engine goes to onEvent; resolves to the manifest digest. */
  push(repo: string, tag: string, onEvent: (e: PushEvent) => void): Promise<string>;
}

/** One message of the engine's push stream. */
export interface PushEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { Tag?: string; Digest?: string; Size?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Which of our errors an engine push error is: the registry cannot be reached, or it refused. */
export function classifyPushError(registry: string, ref: string, detail: string): Error {
  if (/denied|unauthorized|authentication required|forbidden|insufficient_scope/i.test(detail)) return errors.pushDenied(ref, registry, detail);
  if (/connection refused|no such host|dial tcp|i\/o timeout|timeout|server gave HTTP response to HTTPS client|connection reset|EOF$/i.test(detail))
    return errors.registryUnreachable(registry, detail);
  return errors.pushFailed(ref, detail);
}

export function dockerEngine(docker = new Docker()): Engine {
  return {
    async load(stream, ref) {
      const res = (await docker.loadImage(stream, { quiet: true })) as NodeJS.ReadableStream;
      const out: string[] = [];
      for await (const chunk of res) out.push(String(chunk));
      const text = out.join("");
      for (const line of text.split(/\r?\n/)) {
        if (!line.trim()) continue;
        try {
          const msg = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
          if (msg.error) throw errors.dockerLoadFailed(ref, msg.errorDetail?.message ?? msg.error);
        } catch (e) {
          if ((e as Error).name === "BuilderError") throw e;
        }
      }
    },
    async inspect(ref) {
      try {
        const info = await docker.getImage(ref).inspect();
        return { id: info.Id, size: info.Size, tags: info.RepoTags ?? [] };
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
      }
    },
    async configBytes(ref) {
      const info = await this.inspect(ref);
      if (!info) throw errors.imageNotFound(ref, "Run `kn-fn-builder stack` first.");
      const saved = (await docker.getImage(ref).get()) as NodeJS.ReadableStream;
      const files = new Map<string, Buffer>();
      const extract = tar.extract();
      const done = new Promise<void>((res, rej) => {
        extract.on("finish", res);
        extract.on("error", rej);
      });
      extract.on("entry", (h, stream, next) => {
        if (h.name.endsWith(".json")) {
          const chunks: Buffer[] = [];
          stream.on("data", (c: unknown) => chunks.push(c as Buffer));
          stream.on("end", () => {
            files.set(h.name, Buffer.concat(chunks));
            next();
          });
        } else {
          stream.on("end", next);
          stream.resume();
        }
      });
      saved.pipe(extract);
      await done;
      const bytes = files.get(`${info.id.slice("sha256:".length)}.json`);
      if (!bytes || sha256(bytes) !== info.id) throw errors.imageConfigMismatch(ref, info.id, bytes ? sha256(bytes) : "nothing");
      return bytes;
    },
    async remove(ref) {
      await docker.getImage(ref).remove({ force: true });
    },
    async tag(ref, repo, tag) {
      await docker.getImage(ref).tag({ repo, tag });
    },
    async push(repo, tag, onEvent) {
      const registry = repo.split("/")[0] as string;
      const ref = `${repo}:${tag}`;
      let res: NodeJS.ReadableStream;
      try {
        // An (empty) X-Registry-Auth header: the engine wants one, 127.0.0.0/8 registries need no credentials.
        res = (await docker.getImage(repo).push({ tag, authconfig: {} as Docker.AuthConfig })) as NodeJS.ReadableStream;
      } catch (e) {
        throw classifyPushError(registry, ref, (e as { json?: { message?: string } }).json?.message ?? (e as Error).message);
      }
      let digest = "";
      let pending = "";
      const handle = (line: string) => {
        if (!line.trim()) return;
        let msg: PushEvent;
        try {
          msg = JSON.parse(line) as PushEvent;
        } catch {
          return;
        }
        if (msg.error) throw classifyPushError(registry, ref, msg.errorDetail?.message ?? msg.error);
        if (msg.aux?.Digest) digest = msg.aux.Digest;
        onEvent(msg);
      };
      for await (const chunk of res) {
        pending += String(chunk);
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? "";
        for (const line of lines) handle(line);
      }
      handle(pending);
      if (!digest) throw errors.pushFailed(ref, "the engine reported no manifest digest");
      return digest;
    },
  };
}
