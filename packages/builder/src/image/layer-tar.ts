import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";

/**
 * Deterministic tars: entries sorted by path, every mtime 1980-01-01T00:00:01Z (as the
 * lifecycle writes them), uid/gid/mode always explicit, no user or group names.
 */
export const FIXED_MTIME = new Date("1980-01-01T00:00:01Z");

interface EntryBase {
  path: string;
  uid: number;
  gid: number;
}
export type TarEntry =
  | (EntryBase & { type: "directory"; mode: number })
  | (EntryBase & { type: "file"; mode: number; content: Buffer })
  | (EntryBase & { type: "file"; mode: number; source: string; size: number })
  | (EntryBase & { type: "symlink"; target: string });

/** A blob on disk with its sha256 and size. */
export interface Blob {
  file: string;
  digest: string;
  size: number;
}

export const dir = (path: string, mode = 0o755, uid = 0, gid = 0): TarEntry => ({ type: "directory", path, mode, uid, gid });
export const file = (path: string, content: Buffer | string, mode = 0o644, uid = 0, gid = 0): TarEntry => ({
  type: "file",
  path,
  mode,
  uid,
  gid,
  content: typeof content === "string" ? Buffer.from(content) : content,
});
export const symlink = (path: string, target: string, uid = 0, gid = 0): TarEntry => ({ type: "symlink", path, target, uid, gid });

/**
 * tar-stream's ustar prefix split drops a leading "/" from names over 100 bytes, so those
 * go through a PAX header (`pax` set makes tar-stream write one with the full path).
 */
const longName = (name: string) => (Buffer.byteLength(name) > 100 ? { pax: {} } : {});

function header(entry: TarEntry): tar.Header {
  const common = { ...longName(entry.path), name: entry.path, uid: entry.uid, gid: entry.gid, uname: "", gname: "", mtime: FIXED_MTIME, linkname: "", devmajor: 0, devminor: 0 };
  switch (entry.type) {
    case "directory":
      return { ...common, type: "directory", mode: entry.mode, size: 0 };
    case "symlink":
      return { ...common, type: "symlink", mode: 0o777, linkname: entry.target, size: 0 };
    case "file":
      return { ...common, type: "file", mode: entry.mode, size: "content" in entry ? entry.content.length : entry.size };
  }
}

/** The tar of `entries`, sorted by path (parents sort before their children). */
export function tarStream(entries: TarEntry[]): Readable {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const pack = tar.pack();
  (async () => {
    for (const entry of sorted) {
      if (entry.type === "file" && "source" in entry) {
        const sink = pack.entry(header(entry));
        await pipeline(createReadStream(entry.source), sink);
      } else {
        await new Promise<void>((res, rej) =>
          entry.type === "file"
            ? pack.entry(header(entry), entry.content, (err) => (err ? rej(err) : res()))
            : pack.entry(header(entry), (err) => (err ? rej(err) : res())),
        );
      }
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return pack as unknown as Readable;
}

export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  return streamToBuffer(tarStream(entries));
}

export async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes a stream to `path`, hashing it on the way. */
export async function writeBlob(stream: Readable, path: string, ...transforms: Transform[]): Promise<Blob> {
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline([stream, ...transforms, tap, createWriteStream(path)]);
  return { file: path, digest: `sha256:${hash.digest("hex")}`, size };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest("hex")}`;
}

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/**
 * Rewrites a tar (an mmdebstrap rootfs) keeping its order, with every mtime fixed and
 * device nodes dropped (the engine provides /dev).
 */
export function normalizeTar(input: Readable): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on("entry", (h, stream, next) => {
    if (h.type === "character-device" || h.type === "block-device" || h.type === "fifo") {
      stream.resume();
      stream.on("end", next);
      return;
    }
    const pax = h.pax ? Object.fromEntries(Object.entries(h.pax).filter(([k]) => !/time$/.test(k) && k !== "path" && k !== "linkpath" && k !== "size")) : undefined;
    const out: tar.Header = {
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      uname: "",
      gname: "",
      size: h.size,
      mtime: FIXED_MTIME,
      linkname: h.linkname,
      devmajor: 0,
      devminor: 0,
      ...longName(h.name),
      ...(pax && Object.keys(pax).length > 0 ? { pax } : {}),
    };
    stream.pipe(pack.entry(out, next));
  });
  extract.on("finish", () => pack.finalize());
  extract.on("error", (err) => pack.destroy(err));
  input.on("error", (err) => pack.destroy(err));
  input.pipe(extract);
  return pack as unknown as Readable;
}
