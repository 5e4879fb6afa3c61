import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { dockerArchive } from "../../src/image/docker-archive";
import { imageConfig } from "../../src/image/image-config";
import { FIXED_MTIME, type TarEntry, dir, file, normalizeTar, streamToBuffer, symlink, tarBuffer, writeBlob, tarStream } from "../../src/image/layer-tar";
import { ociLayout } from "../../src/image/oci-layout";

type Seen = { name: string; type?: string | null; mode?: number; uid?: number; gid?: number; mtime?: Date; uname?: string; linkname?: string | null; body: Buffer };
async function list(buf: Buffer): Promise<Seen[]> {
  const out: Seen[] = [];
  const extract = tar.extract();
  extract.on("entry", (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => chunks.push(c as Buffer));
    stream.on("end", () => {
      out.push({ name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, uname: h.uname, linkname: h.linkname, body: Buffer.concat(chunks) });
      next();
    });
  });
  const done = new Promise<void>((res, rej) => {
    extract.on("finish", res);
    extract.on("error", rej);
  });
  Readable.from([buf]).pipe(extract);
  await done;
  return out;
}
const hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const tmp = mkdtempSync(join(tmpdir(), "builder-test-"));
const src = join(tmp, "big.bin");
writeFileSync(src, Buffer.alloc(5000, 7));
const entries: TarEntry[] = [
  file("/cnb/order.toml", "x = 1\n"),
  dir("/layers", 0o755, 1000, 1000),
  symlink("/lifecycle", "/cnb/lifecycle"),
  dir("/cnb"),
  { type: "file", path: "/cnb/big", mode: 0o755, uid: 0, gid: 0, source: src, size: 5000 },
];

describe("deterministic tar", () => {
  test("sorted entries, fixed mtime, explicit owners and modes", async () => {
    const seen = await list(await tarBuffer(entries));
    expect(seen.map((e) => e.name)).toEqual(["/cnb", "/cnb/big", "/cnb/order.toml", "/layers", "/lifecycle"]);
    for (const e of seen) {
      expect(e.mtime?.toISOString()).toBe("1980-01-01T00:00:01.000Z");
      expect(e.uname).toBe("");
    }
    expect(seen.find((e) => e.name === "/layers")).toMatchObject({ type: "directory", mode: 0o755, uid: 1000, gid: 1000 });
    expect(seen.find((e) => e.name === "/lifecycle")).toMatchObject({ type: "symlink", linkname: "/cnb/lifecycle" });
    expect(seen.find((e) => e.name === "/cnb/big")?.body.length).toBe(5000);
    expect(seen.find((e) => e.name === "/cnb/order.toml")).toMatchObject({ mode: 0o644, uid: 0, gid: 0 });
  });

  test("names over 100 bytes keep their leading slash (PAX path)", async () => {
    const long = `/cnb/buildpacks/x/1/${"w".repeat(120)}.whl`;
    const seen = await list(await tarBuffer([file(long, "abc"), file("/a", "b")]));
    expect(seen.map((e) => [e.name, e.body.toString()])).toEqual([
      ["/a", "b"],
      [long, "abc"],
    ]);
    expect(seen[1]?.mtime?.toISOString()).toBe("1980-01-01T00:00:01.000Z");
  });

  test("same input, same bytes, whatever the input order", async () => {
    const a = await tarBuffer(entries);
    const b = await tarBuffer([...entries].reverse());
    expect(hex(a)).toBe(hex(b));
  });

  test("writeBlob hashes what it writes", async () => {
    const blob = await writeBlob(tarStream(entries), join(tmp, "l.tar"));
    const bytes = readFileSync(join(tmp, "l.tar"));
    expect(blob).toEqual({ file: join(tmp, "l.tar"), digest: `sha256:${hex(bytes)}`, size: bytes.length });
  });

  test("normalizeTar fixes mtimes and owners' names, drops devices, keeps order", async () => {
    const pack = tar.pack();
    pack.entry({ name: "./z", mtime: new Date(2020, 1, 1), uname: "root", mode: 0o644 }, "z");
    pack.entry({ name: "./dev/null", type: "character-device", devmajor: 1, devminor: 3, mtime: new Date() });
    pack.entry({ name: "./a", mtime: new Date(2021, 1, 1), mode: 0o600, uid: 5 }, "a");
    pack.finalize();
    const out = await list(await streamToBuffer(normalizeTar(pack as unknown as Readable)));
    expect(out.map((e) => [e.name, e.mtime?.getTime(), e.uname, e.mode, e.uid])).toEqual([
      ["./z", FIXED_MTIME.getTime(), "", 0o644, 0],
      ["./a", FIXED_MTIME.getTime(), "", 0o600, 5],
    ]);
  });
});

describe("image formats", () => {
  test("docker-archive: manifest, config with diff_ids, layer files; image ID = sha256(config)", async () => {
    const layer = await writeBlob(tarStream(entries), join(tmp, "layer.tar"));
    const config = imageConfig({ created: FIXED_MTIME, config: { User: "1000:1000", Labels: { b: "2", a: "1" } }, diffIds: [layer.digest] });
    const archive = dockerArchive({ config, layers: [layer], repoTags: ["x/y:1", "x/y:latest"] });
    const seen = await list(await streamToBuffer(archive.stream));
    const byName = new Map(seen.map((e) => [e.name, e.body]));
    const manifest = JSON.parse(String(byName.get("manifest.json")));
    const id = archive.imageId.slice(7);
    expect(manifest).toEqual([{ Config: `${id}.json`, RepoTags: ["x/y:1", "x/y:latest"], Layers: [`${layer.digest.slice(7)}/layer.tar`] }]);
    const configBytes = byName.get(`${id}.json`) as Buffer;
    expect(hex(configBytes)).toBe(id);
    const parsed = JSON.parse(String(configBytes));
    expect(parsed.rootfs).toEqual({ type: "layers", diff_ids: [layer.digest] });
    expect(Object.keys(parsed.config.Labels)).toEqual(["a", "b"]);
    expect(parsed.created).toBe("1980-01-01T00:00:01Z");
    expect(`sha256:${hex(byName.get(manifest[0].Layers[0]) as Buffer)}`).toBe(layer.digest);
    // same again, same bytes
    const again = dockerArchive({ config, layers: [layer], repoTags: ["x/y:1", "x/y:latest"] });
    expect(hex(await streamToBuffer(again.stream))).toBe(hex(await streamToBuffer(dockerArchive({ config, layers: [layer], repoTags: ["x/y:1", "x/y:latest"] }).stream)));
  });

  test("docker-archive can leave out layers the engine has", async () => {
    const layer = await writeBlob(tarStream(entries), join(tmp, "layer2.tar"));
    const base = { file: "", digest: "sha256:" + "0".repeat(64), size: 0 };
    const config = imageConfig({ created: FIXED_MTIME, config: {}, diffIds: [base.digest, layer.digest] });
    const seen = await list(await streamToBuffer(dockerArchive({ config, layers: [base, layer], repoTags: [], omit: 1 }).stream));
    expect(seen.map((e) => e.name).filter((n) => n.endsWith("layer.tar"))).toEqual([`${layer.digest.slice(7)}/layer.tar`]);
    expect(JSON.parse(String(seen.find((e) => e.name === "manifest.json")?.body))[0].Layers).toHaveLength(2);
  });

  test("OCI layout: oci-layout, index.json → manifest → config and layer blobs by digest", async () => {
    const layer = await writeBlob(tarStream(entries), join(tmp, "layer3.tar"));
    const config = imageConfig({ created: FIXED_MTIME, config: { Labels: { l: "v" } }, diffIds: [layer.digest] });
    const layout = ociLayout({ config, layers: [{ ...layer, mediaType: "application/vnd.oci.image.layer.v1.tar" }] });
    const seen = await list(await streamToBuffer(layout.stream));
    const byName = new Map(seen.map((e) => [e.name, e.body]));
    expect(JSON.parse(String(byName.get("oci-layout")))).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(String(byName.get("index.json")));
    expect(index.manifests[0].digest).toBe(layout.manifestDigest);
    for (const [name, body] of byName) if (name.startsWith("blobs/sha256/") && body.length > 0) expect(hex(body)).toBe(name.slice(13));
    const manifest = JSON.parse(String(byName.get(`blobs/sha256/${layout.manifestDigest.slice(7)}`)));
    expect(manifest.layers[0]).toEqual({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer.digest, size: layer.size });
    expect(JSON.parse(String(byName.get(`blobs/sha256/${manifest.config.digest.slice(7)}`))).config.Labels).toEqual({ l: "v" });
  });
});
