import TOML from "@iarna/toml";
import type { BuildpackInfo, LifecycleInfo } from "../../src/model";
import { renderBuilderToml } from "../../src/render/builder-toml";
import { LABEL, renderBuilderLabels, renderBuildpackLayers, renderBuildpackageMetadata } from "../../src/render/labels";
import { renderOrderToml } from "../../src/render/order-toml";
import { renderRunToml } from "../../src/render/run-toml";
import { renderStackToml } from "../../src/render/stack-toml";

const bp: BuildpackInfo = {
  id: "kn-fn/python-function",
  version: "0.1.0",
  api: "0.10",
  name: "kn-fn Python function",
  targets: [{ os: "linux", arch: "amd64", distros: [{ name: "debian", version: "12" }] }],
  diffId: "sha256:abc",
};
const lifecycle: LifecycleInfo = {
  version: "0.20.19",
  buildpackApis: { deprecated: [], supported: ["0.7", "0.8", "0.9", "0.10", "0.11"] },
  platformApis: { deprecated: [], supported: ["0.7", "0.14"] },
};
const order = [{ group: [{ id: bp.id, version: bp.version }] }];

describe("renderers", () => {
  test("order.toml", () => {
    const text = renderOrderToml(order);
    expect(text).toBe('[[order]]\n\n  [[order.group]]\n    id = "kn-fn/python-function"\n    version = "0.1.0"\n');
    expect(TOML.parse(text)).toEqual({ order: [{ group: [{ id: bp.id, version: "0.1.0" }] }] });
    expect(TOML.parse(renderOrderToml([{ group: [{ id: "a", version: "1", optional: true }] }]))).toEqual({
      order: [{ group: [{ id: "a", version: "1", optional: true }] }],
    });
  });

  test("stack.toml and run.toml", () => {
    expect(TOML.parse(renderStackToml("kn-fn/run:0.1.0"))).toEqual({ "run-image": { image: "kn-fn/run:0.1.0" } });
    expect(TOML.parse(renderRunToml(["kn-fn/run:0.1.0"]))).toEqual({ images: [{ image: "kn-fn/run:0.1.0" }] });
  });

  test("builder.toml in pack 0.39's schema", () => {
    const doc = TOML.parse(
      renderBuilderToml({
        description: 'd "q"',
        buildpackUris: ["/out/kn-fn_python-function-0.1.0.cnb"],
        order,
        lifecycleUri: "/c/lifecycle.tgz",
        buildImage: "kn-fn/build:0.1.0",
        runImage: "kn-fn/run:0.1.0",
        targets: [{ os: "linux", arch: "amd64" }],
        user: { uid: 1000, gid: 1000 },
      }),
    );
    expect(doc).toEqual({
      description: 'd "q"',
      buildpacks: [{ uri: "/out/kn-fn_python-function-0.1.0.cnb" }],
      order: [{ group: [{ id: bp.id, version: "0.1.0" }] }],
      lifecycle: { uri: "/c/lifecycle.tgz" },
      build: { image: "kn-fn/build:0.1.0" },
      run: { images: [{ image: "kn-fn/run:0.1.0" }] },
      targets: [{ os: "linux", arch: "amd64" }],
    });
  });

  test("buildpack layers and buildpackage labels in pack's shapes", () => {
    expect(JSON.parse(renderBuildpackLayers([bp]))).toEqual({
      "kn-fn/python-function": {
        "0.1.0": {
          api: "0.10",
          targets: [{ os: "linux", arch: "amd64", distros: [{ name: "debian", version: "12" }] }],
          layerDiffID: "sha256:abc",
          name: "kn-fn Python function",
        },
      },
    });
    expect(renderBuildpackageMetadata(bp)).toBe('{"id":"kn-fn/python-function","version":"0.1.0","stacks":[{"id":"*"}]}');
  });

  test("builder labels", () => {
    const labels = renderBuilderLabels({
      description: "desc",
      buildpacks: [bp],
      lifecycle,
      runImage: "kn-fn/run:0.1.0",
      createdBy: { name: "kn-fn-builder", version: "0.1.0" },
      order,
    });
    expect(Object.keys(labels).sort()).toEqual(
      [
        LABEL.builderMetadata,
        LABEL.buildpackLayers,
        LABEL.buildpackOrder,
        LABEL.extensionOrder,
        LABEL.extensionLayers,
        LABEL.mixins,
      ].sort(),
    );
    expect(JSON.parse(labels[LABEL.builderMetadata] as string)).toEqual({
      description: "desc",
      buildpacks: [{ id: bp.id, name: "kn-fn Python function", version: "0.1.0" }],
      extensions: null,
      stack: { runImage: { image: "", mirrors: null } },
      lifecycle: {
        version: "0.20.19",
        api: { buildpack: "0.7", platform: "0.7" },
        apis: {
          buildpack: { deprecated: [], supported: ["0.7", "0.8", "0.9", "0.10", "0.11"] },
          platform: { deprecated: [], supported: ["0.7", "0.14"] },
        },
      },
      createdBy: { name: "kn-fn-builder", version: "0.1.0" },
      images: [{ image: "kn-fn/run:0.1.0", mirrors: null }],
    });
    expect(labels[LABEL.buildpackOrder]).toBe('[{"group":[{"id":"kn-fn/python-function","version":"0.1.0"}]}]');
    expect(labels[LABEL.mixins]).toBe("null");
    expect(labels[LABEL.extensionLayers]).toBe("{}");
  });
});
