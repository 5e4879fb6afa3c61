import { cacheInvalidationReasons, LAYER_FORMAT, pipInstallArgs, requirementsSha256, type CacheKey } from "../../src/layers/dependencies";

const key: CacheKey = {
  format: LAYER_FORMAT,
  requirements_sha256: requirementsSha256("requests==2.32.3\n"),
  python_version: "3.11.2",
  invoker_version: "0.1.0",
  pip_version: "26.3",
  arch: "amd64",
};

describe("cacheInvalidationReasons", () => {
  it("reuses an identical key", () => {
    expect(cacheInvalidationReasons({ ...key }, key)).toEqual([]);
  });
  it("has no cache to reuse", () => {
    expect(cacheInvalidationReasons(undefined, key)).toEqual(["no cached dependencies layer"]);
  });
  it("returns every reason, in order", () => {
    const old = { format: "0", requirements_sha256: requirementsSha256(""), python_version: "3.11.1", invoker_version: "0.0.9", pip_version: "23.0.1", arch: "arm64" };
    expect(cacheInvalidationReasons(old, key)).toEqual([
      "the layer format changed (0 -> 2)",
      `requirements.txt changed (sha256 ${requirementsSha256("").slice(0, 12)} -> ${key.requirements_sha256.slice(0, 12)})`,
      "Python changed (3.11.1 -> 3.11.2)",
      "runtime invoker changed (0.0.9 -> 0.1.0)",
      "pip changed (23.0.1 -> 26.3)",
      "architecture changed (arm64 -> amd64)",
    ]);
  });
  it("treats missing metadata keys as changes", () => {
    expect(cacheInvalidationReasons({}, key)).toEqual([
      "the layer format changed (none -> 2)",
      `requirements.txt changed (sha256 (none) -> ${key.requirements_sha256.slice(0, 12)})`,
      "Python changed (none -> 3.11.2)",
      "runtime invoker changed (none -> 0.1.0)",
      "pip changed (none -> 26.3)",
      "architecture changed (none -> amd64)",
    ]);
  });
  it("names a single reason alone", () => {
    expect(cacheInvalidationReasons({ ...key, python_version: "3.11.9" }, key)).toEqual(["Python changed (3.11.9 -> 3.11.2)"]);
  });
});

describe("pipInstallArgs", () => {
  const wheelhouse = { dir: "/bp/wheelhouse", invokerWheel: "/bp/wheelhouse/kn.whl", invokerVersion: "0.1.0", constraints: "/bp/wheelhouse/constraints.txt" };
  it("installs offline with no requirements", () => {
    expect(pipInstallArgs("/v/bin/python", wheelhouse, { file: undefined, content: "" })).toEqual([
      "/v/bin/python", "-m", "pip", "install", "--no-compile", "--no-index",
      "--find-links", "/bp/wheelhouse", "--constraint", "/bp/wheelhouse/constraints.txt", "kn-fn-invoker==0.1.0",
    ]);
  });
  it("treats an empty requirements.txt as none", () => {
    expect(pipInstallArgs("/v/bin/python", wheelhouse, { file: "/app/requirements.txt", content: "\n" })).toContain("--no-index");
  });
  it("resolves the user's requirements with the invoker in one call", () => {
    expect(pipInstallArgs("/v/bin/python", wheelhouse, { file: "/app/requirements.txt", content: "six\n" })).toEqual([
      "/v/bin/python", "-m", "pip", "install", "--no-compile",
      "--find-links", "/bp/wheelhouse", "--constraint", "/bp/wheelhouse/constraints.txt", "kn-fn-invoker==0.1.0",
      "--requirement", "/app/requirements.txt",
    ]);
  });
});
