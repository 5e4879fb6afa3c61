import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageBuildpack, readBuildpackage, eachEntry } from "../../src/buildpack/package";
import { buildpackLayerEntries, readBuildpackDescriptor } from "../../src/buildpack/buildpack";
import { readLifecycle } from "../../src/lifecycle";
import { LABEL } from "../../src/render/labels";

const fixture = join(__dirname, "../fixtures/buildpack");

describe("buildpackage (.cnb)", () => {
  test("layer entries: escaped id, version dir, modes, symlinks kept", () => {
    const desc = readBuildpackDescriptor(fixture);
    expect(desc).toMatchObject({ id: "test/fixture", version: "1.2.3", api: "0.10", homepage: "https://example.com/fixture" });
    const entries = buildpackLayerEntries(fixture, desc);
    const summary = entries.map((e) => [e.path, e.type, "mode" in e ? e.mode.toString(8) : "link"]);
    expect(summary).toEqual([
      ["/cnb/buildpacks/test_fixture", "directory", "755"],
      ["/cnb/buildpacks/test_fixture/1.2.3", "directory", "755"],
      ["/cnb/buildpacks/test_fixture/1.2.3/bin", "directory", "755"],
      ["/cnb/buildpacks/test_fixture/1.2.3/bin/alias", "symlink", "link"],
      ["/cnb/buildpacks/test_fixture/1.2.3/bin/build", "file", "755"],
      ["/cnb/buildpacks/test_fixture/1.2.3/bin/detect", "file", "755"],
      ["/cnb/buildpacks/test_fixture/1.2.3/buildpack.toml", "file", "644"],
    ]);
  });

  test("packaging again into the same dir reuses the .cnb; a changed .cnb is written again", async () => {
    const out = mkdtempSync(join(tmpdir(), "cnb-again-"));
    const first = await packageBuildpack(fixture, out);
    const again = await packageBuildpack(fixture, out);
    expect([first.reused, again.reused]).toEqual([false, true]);
    expect(again.digest).toBe(first.digest);
    expect(again.layer.digest).toBe(first.buildpack.diffId);
    // The layer handed to the builder is the .cnb's layer, uncompressed.
    const back = await readBuildpackage(again.file, join(out, "back.tar"));
    expect(back.layer.digest).toBe(again.layer.digest);
    appendFileSync(first.file, "tampered");
    const rewritten = await packageBuildpack(fixture, out);
    expect(rewritten.reused).toBe(false);
    expect(rewritten.digest).toBe(first.digest);
  });

  test("OCI layout with pack's labels; twice gives the same sha256; the layer reads back by layerDiffID", async () => {
    const a = await packageBuildpack(fixture, mkdtempSync(join(tmpdir(), "cnb-a-")));
    const b = await packageBuildpack(fixture, mkdtempSync(join(tmpdir(), "cnb-b-")));
    expect(a.digest).toBe(b.digest);
    expect(a.file).toMatch(/test_fixture-1\.2\.3\.cnb$/);
    const names: string[] = [];
    const blobs = new Map<string, string>();
    await eachEntry(a.file, async (name, stream) => {
      names.push(name);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      blobs.set(name, Buffer.concat(chunks).toString("latin1"));
    });
    expect(names.slice(0, 4)).toEqual(["blobs", "blobs/sha256", "blobs/sha256/" + names[2]?.slice(13), names[3]]);
    expect(names).toContain("oci-layout");
    expect(names).toContain("index.json");
    const index = JSON.parse(blobs.get("index.json") as string);
    const manifest = JSON.parse(blobs.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`) as string);
    expect(manifest.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    const config = JSON.parse(blobs.get(`blobs/sha256/${manifest.config.digest.slice(7)}`) as string);
    expect(JSON.parse(config.config.Labels[LABEL.buildpackageMetadata])).toEqual({
      id: "test/fixture",
      version: "1.2.3",
      homepage: "https://example.com/fixture",
      stacks: [{ id: "*" }],
    });
    expect(JSON.parse(config.config.Labels[LABEL.buildpackLayers])).toEqual({
      "test/fixture": {
        "1.2.3": {
          api: "0.10",
          targets: [{ os: "linux", arch: "amd64", distros: [{ name: "debian", version: "12" }] }],
          layerDiffID: config.rootfs.diff_ids[0],
          homepage: "https://example.com/fixture",
          name: "Fixture",
        },
      },
    });
    const back = await readBuildpackage(a.file, join(mkdtempSync(join(tmpdir(), "cnb-r-")), "l.tar"));
    expect(back.layer.digest).toBe(a.buildpack.diffId);
    expect(back.buildpack).toEqual(a.buildpack);
  });

  test("a directory without buildpack.toml is explained", () => {
    expect(() => readBuildpackDescriptor(tmpdir())).toThrow(
      `[Error: buildpack not found] no buildpack.toml in ${tmpdir()}. Build the buildpack first (pnpm --filter @kn-fn/buildpack build) or set [[buildpacks]] path in the config.`,
    );
  });
});

describe("lifecycle tgz", () => {
  test("version and APIs come from its lifecycle.toml; binaries and symlinks under /cnb/lifecycle", async () => {
    const tgz = process.env.KN_FN_LIFECYCLE_TGZ;
    if (!tgz) throw new Error("KN_FN_LIFECYCLE_TGZ is not set: source ~/.cache/kn-fn/env.sh (scripts/setup.sh writes it)");
    const lc = await readLifecycle(tgz);
    expect(lc.info.version).toBe(process.env.KN_FN_LIFECYCLE_VERSION);
    expect(lc.info.platformApis.supported).toContain("0.14");
    const byPath = new Map(lc.entries.map((e) => [e.path, e]));
    expect(byPath.get("/cnb/lifecycle/detector")).toMatchObject({ type: "symlink", target: "lifecycle" });
    expect(byPath.get("/cnb/lifecycle/launcher")).toMatchObject({ type: "file", mode: 0o755 });
    expect(byPath.get("/lifecycle")).toMatchObject({ type: "symlink", target: "/cnb/lifecycle" });
  });

  test("a missing tgz is explained", async () => {
    await expect(readLifecycle("/nonexistent.tgz")).rejects.toThrow(
      "[Error: lifecycle descriptor] /nonexistent.tgz: the file does not exist. A release-style lifecycle tgz has lifecycle.toml at the top and lifecycle/ with the binaries.",
    );
  });
});
