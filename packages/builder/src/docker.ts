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
  };
}
