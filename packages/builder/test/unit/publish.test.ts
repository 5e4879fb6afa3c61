import { classifyPushError } from "../../src/docker";
import { BuilderError, errors } from "../../src/messages";
import { remoteRef } from "../../src/publish";
import { run } from "../../src/run";
import { join } from "node:path";

describe("publish", () => {
  test("registry unreachable: names the registry, the engine's words and what to check", () => {
    const e = errors.registryUnreachable("127.0.0.1:5999", 'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused');
    expect(e).toBeInstanceOf(BuilderError);
    expect(e.kind).toBe("registry-unreachable");
    expect(e.message).toBe(
      '[Error: registry unreachable] the Docker engine cannot reach the registry 127.0.0.1:5999: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused. Check that the registry is running and that --registry (or [publish] registry) names its host:port; a registry outside 127.0.0.0/8 without TLS must be listed in the engine\'s insecure-registries.',
    );
  });

  test("push denied: names the image, the registry and why (no credentials are sent)", () => {
    const e = errors.pushDenied("reg.example:5000/kn-fn/run:0.1.0", "reg.example:5000", "denied: requested access to the resource is denied");
    expect(e.kind).toBe("push-denied");
    expect(e.message).toBe(
      "[Error: push denied] the registry reg.example:5000 refused the push of reg.example:5000/kn-fn/run:0.1.0: denied: requested access to the resource is denied. kn-fn-builder sends no credentials (the engine does not read `docker login`), so it can push only where anonymous pushes are allowed: use such a registry, e.g. a local docker-registry.",
    );
  });

  test("image missing locally: names the image and the command to make it", () => {
    const e = errors.imageMissingLocally("kn-fn/builder:0.1.0");
    expect(e.kind).toBe("image-missing-locally");
    expect(e.message).toBe(
      "[Error: image missing locally] image kn-fn/builder:0.1.0 is not in the Docker engine, so it cannot be published. Run `kn-fn-builder all` (or `stack` and `create`) first.",
    );
  });

  test("engine push errors are classified", () => {
    const kind = (detail: string) => (classifyPushError("r:1", "r:1/a:b", detail) as BuilderError).kind;
    expect(kind("denied: requested access to the resource is denied")).toBe("push-denied");
    expect(kind("unauthorized: authentication required")).toBe("push-denied");
    expect(kind('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused')).toBe("registry-unreachable");
    expect(kind('Get "https://r:1/v2/": http: server gave HTTP response to HTTPS client')).toBe("registry-unreachable");
    expect(kind("blob upload unknown")).toBe("push-failed");
  });

  test("remote names keep the repository path and tag", () => {
    expect(remoteRef("127.0.0.1:5000", "kn-fn/run:0.1.0")).toEqual({ repo: "127.0.0.1:5000/kn-fn/run", tag: "0.1.0" });
    expect(remoteRef("127.0.0.1:5000/", "kn-fn/builder")).toEqual({ repo: "127.0.0.1:5000/kn-fn/builder", tag: "latest" });
  });

  test("an image missing locally stops publish before anything is pushed", async () => {
    const calls: string[] = [];
    const engine = {
      inspect: async (ref: string) => (ref.startsWith("kn-fn/builder") ? undefined : { id: "sha256:1", size: 1, tags: [ref] }),
      tag: async () => void calls.push("tag"),
      push: async () => (calls.push("push"), "sha256:2"),
      load: async () => {},
      configBytes: async () => Buffer.alloc(0),
      remove: async () => {},
    };
    const config = join(__dirname, "../../builder.config.toml");
    await expect(run({ command: "publish", configFile: config, outDir: "/tmp", log: () => {}, engine, registry: "127.0.0.1:1" })).rejects.toThrow(
      "[Error: image missing locally] image kn-fn/builder:0.1.0 is not in the Docker engine",
    );
    expect(calls).toEqual([]);
  });

  test("publish without a registry is a usage error", async () => {
    const config = join(__dirname, "../../builder.config.toml");
    await expect(run({ command: "publish", configFile: config, outDir: "/tmp", log: () => {} })).rejects.toThrow(
      "[Error: usage] publish needs a registry: pass --registry HOST[:PORT] or set [publish] registry in the config.",
    );
  });
});
