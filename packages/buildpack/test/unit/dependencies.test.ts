import { cacheInvalidationReasons, cacheKey, LAYER_FORMAT, sha256, uvInstallArgs, type CacheKey, type InstallInput } from "../../src/layers/dependencies";
import { findWheelhouse } from "../../src/python";
import { BUILDPACK, WHEELHOUSE, world } from "./world";

const key: CacheKey = {
  format: LAYER_FORMAT,
  source: "requirements.txt",
  inputs_sha256: sha256("requirements.txt\nrequests==2.32.3\n"),
  python_version: "3.11.2",
  invoker_version: "0.1.0",
  runtime_sha256: "d".repeat(64),
  uv_version: "0.13.10",
  arch: "amd64",
};

describe("cacheKey", () => {
  it("hashes the input's key text and names its source, uv and the layer format", () => {
    const input: InstallInput = { source: "uv.lock", requirementsFile: "/tmp/x/uv-export.txt", keyText: "six==1.17.0\n", vendorDir: undefined };
    expect(
      cacheKey(input, { version: "3.11.2", executable: "/usr/bin/python3" }, { dir: "/bp/wheelhouse", invokerWheel: "/bp/wheelhouse/kn.whl", invokerVersion: "0.1.0", digest: "d".repeat(64) }, { executable: "/bp/uv/uv", version: "0.13.10" }, "arm64"),
    ).toEqual({
      format: "3",
      source: "uv.lock",
      inputs_sha256: sha256("six==1.17.0\n"),
      python_version: "3.11.2",
      invoker_version: "0.1.0",
      runtime_sha256: "d".repeat(64),
      uv_version: "0.13.10",
      arch: "arm64",
    });
    expect(sha256("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("cacheInvalidationReasons", () => {
  it("reuses an identical key", () => {
    expect(cacheInvalidationReasons({ ...key }, key)).toEqual([]);
  });
  it("has no cache to reuse", () => {
    expect(cacheInvalidationReasons(undefined, key)).toEqual(["no cached dependencies layer"]);
  });
  it("returns every reason, in order", () => {
    const old = { format: "2", source: "requirements.txt", inputs_sha256: sha256(""), python_version: "3.11.1", invoker_version: "0.0.9", uv_version: "0.9.0", arch: "arm64" };
    expect(cacheInvalidationReasons(old, key)).toEqual([
      "the layer format changed (2 -> 3)",
      `requirements.txt changed (sha256 ${sha256("").slice(0, 12)} -> ${key.inputs_sha256.slice(0, 12)})`,
      "Python changed (3.11.1 -> 3.11.2)",
      "runtime invoker changed (0.0.9 -> 0.1.0)",
      "uv changed (0.9.0 -> 0.13.10)",
      "architecture changed (arm64 -> amd64)",
    ]);
  });
  it("reinstalls when the runtime's wheels changed under the same invoker version (gunicorn -> granian was one)", () => {
    expect(cacheInvalidationReasons({ ...key, runtime_sha256: "a".repeat(64) }, key)).toEqual([
      "the runtime's wheels changed under the same invoker version (wheelhouse aaaaaaaaaaaa -> dddddddddddd)",
    ]);
  });
  it("treats missing metadata keys (a pip-era layer: format 2, no source) as changes", () => {
    const pipEra = { format: "2", requirements_sha256: sha256(""), python_version: "3.11.2", invoker_version: "0.1.0", pip_version: "26.3", arch: "amd64" };
    expect(cacheInvalidationReasons(pipEra, key)).toEqual([
      "the layer format changed (2 -> 3)",
      "the dependency source changed (none -> requirements.txt)",
      "the runtime's wheels changed under the same invoker version (wheelhouse none -> dddddddddddd)",
      "uv changed (none -> 0.13.10)",
    ]);
    expect(cacheInvalidationReasons({}, key)).toEqual([
      "the layer format changed (none -> 3)",
      "the dependency source changed (none -> requirements.txt)",
      "Python changed (none -> 3.11.2)",
      "runtime invoker changed (none -> 0.1.0)",
      "uv changed (none -> 0.13.10)",
      "architecture changed (none -> amd64)",
    ]);
  });
  it("names a single reason alone", () => {
    expect(cacheInvalidationReasons({ ...key, python_version: "3.11.9" }, key)).toEqual(["Python changed (3.11.9 -> 3.11.2)"]);
  });
  it("names a source change, not also its hash", () => {
    expect(cacheInvalidationReasons({ ...key, source: "uv.lock", inputs_sha256: sha256("x") }, key)).toEqual(["the dependency source changed (uv.lock -> requirements.txt)"]);
  });
  it.each([
    ["uv.lock", "the dependencies locked in uv.lock"],
    ["poetry.lock", "the dependencies locked in poetry.lock"],
    ["pyproject.toml", "pyproject.toml's [project] dependencies"],
    ["requirements.txt", "requirements.txt"],
  ])("names what changed for %s", (source, what) => {
    const wanted = { ...key, source, inputs_sha256: sha256("new") };
    expect(cacheInvalidationReasons({ ...wanted, inputs_sha256: sha256("old") }, wanted)).toEqual([
      `${what} changed (sha256 ${sha256("old").slice(0, 12)} -> ${sha256("new").slice(0, 12)})`,
    ]);
  });
});

describe("uvInstallArgs", () => {
  const uv = { executable: "/bp/uv/uv", version: "0.13.10" };
  const wheelhouse = { dir: "/bp/wheelhouse", invokerWheel: "/bp/wheelhouse/kn.whl", invokerVersion: "0.1.0", digest: "d".repeat(64) };
  const none: InstallInput = { source: "none", requirementsFile: undefined, keyText: "", vendorDir: undefined };
  it("installs offline from the wheelhouse with no requirements", () => {
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, none, "/tmp/w/runtime-requirements.txt")).toEqual([
      "/bp/uv/uv", "pip", "install", "--python", "/v/bin/python", "--link-mode", "copy", "--offline", "--no-index",
      "--find-links", "/bp/wheelhouse", "--requirement", "/tmp/w/runtime-requirements.txt",
    ]);
  });
  it("PIP_NO_INDEX: --no-index on the command line, still online for direct URLs (no --offline)", () => {
    const input: InstallInput = { source: "requirements.txt", requirementsFile: "/app/requirements.txt", keyText: "six\n", vendorDir: undefined };
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/rr.txt", ["/w"], true)).toEqual([
      "/bp/uv/uv", "pip", "install", "--python", "/v/bin/python", "--link-mode", "copy", "--no-index",
      "--find-links", "/w", "--find-links", "/bp/wheelhouse", "--requirement", "/tmp/w/rr.txt", "--requirement", "/app/requirements.txt",
    ]);
  });
  it("resolves the user's requirements with the invoker in one call", () => {
    const input: InstallInput = { source: "requirements.txt", requirementsFile: "/app/requirements.txt", keyText: "six\n", vendorDir: undefined };
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/runtime-requirements.txt")).toEqual([
      "/bp/uv/uv", "pip", "install", "--python", "/v/bin/python", "--link-mode", "copy",
      "--find-links", "/bp/wheelhouse", "--requirement", "/tmp/w/runtime-requirements.txt", "--requirement", "/app/requirements.txt",
    ]);
  });
  it("installs vendored wheels with no index, vendor/ before the wheelhouse", () => {
    const input: InstallInput = { source: "requirements.txt", requirementsFile: "/app/requirements.txt", keyText: "six\n", vendorDir: "/app/vendor" };
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/rr.txt")).toEqual([
      "/bp/uv/uv", "pip", "install", "--python", "/v/bin/python", "--link-mode", "copy", "--offline", "--no-index",
      "--find-links", "/app/vendor", "--find-links", "/bp/wheelhouse", "--requirement", "/tmp/w/rr.txt", "--requirement", "/app/requirements.txt",
    ]);
  });
  it("the build's --find-links come after vendor/ and before the wheelhouse, in their order", () => {
    const input: InstallInput = { source: "requirements.txt", requirementsFile: "/app/requirements.txt", keyText: "six\n", vendorDir: "/app/vendor" };
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/rr.txt", ["/links/b", "https://h.example/links/a"])).toEqual([
      "/bp/uv/uv", "pip", "install", "--python", "/v/bin/python", "--link-mode", "copy", "--offline", "--no-index",
      "--find-links", "/app/vendor", "--find-links", "/links/b", "--find-links", "https://h.example/links/a", "--find-links", "/bp/wheelhouse",
      "--requirement", "/tmp/w/rr.txt", "--requirement", "/app/requirements.txt",
    ]);
  });
  it("the build's --find-links without vendor/ come first, before the wheelhouse, and do not make the install offline", () => {
    const input: InstallInput = { source: "requirements.txt", requirementsFile: "/app/requirements.txt", keyText: "six\n", vendorDir: undefined };
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/rr.txt", ["/links"])).toEqual([
      "/bp/uv/uv", "pip", "install", "--python", "/v/bin/python", "--link-mode", "copy",
      "--find-links", "/links", "--find-links", "/bp/wheelhouse", "--requirement", "/tmp/w/rr.txt", "--requirement", "/app/requirements.txt",
    ]);
    // An empty list is the same as none.
    expect(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/rr.txt", [])).toEqual(uvInstallArgs(uv, "/v/bin/python", wheelhouse, input, "/tmp/w/rr.txt"));
  });
});

describe("findWheelhouse's digest (the runtime in the cache key)", () => {
  const digestOf = (mutate: (w: ReturnType<typeof world>) => void = () => {}) => {
    const w = world();
    mutate(w);
    return findWheelhouse(w.fs, BUILDPACK).digest;
  };

  it("is the same for the same wheelhouse, and changes with any wheel's name or with runtime.json", () => {
    expect(digestOf()).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf()).toBe(digestOf());
    expect(digestOf((w) => w.fs.writeFile(`${WHEELHOUSE}/granian-2.8.9-cp311-cp311-manylinux_2_17_x86_64.whl`, "zip"))).not.toBe(digestOf());
    expect(digestOf((w) => w.fs.writeFile(`${WHEELHOUSE}/runtime.json`, '{"invoker_sha256": "other"}'))).not.toBe(digestOf());
  });

  it("needs runtime.json", () => {
    const w = world();
    w.fs.remove(`${WHEELHOUSE}/runtime.json`);
    expect(() => findWheelhouse(w.fs, BUILDPACK)).toThrow(`no runtime.json`);
  });
});
