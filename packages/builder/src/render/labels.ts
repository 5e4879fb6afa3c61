import type { BuildpackInfo, LifecycleInfo, Order } from "../model";

/** Label names pack reads (pack internal/builder, pkg/buildpack). */
export const LABEL = {
  builderMetadata: "io.buildpacks.builder.metadata",
  buildpackLayers: "io.buildpacks.buildpack.layers",
  buildpackOrder: "io.buildpacks.buildpack.order",
  extensionOrder: "io.buildpacks.buildpack.order-extensions",
  extensionLayers: "io.buildpacks.extension.layers",
  mixins: "io.buildpacks.stack.mixins",
  buildpackageMetadata: "io.buildpacks.buildpackage.metadata",
} as const;

/** io.buildpacks.buildpack.layers: id → version → layer info (pack's dist.ModuleLayers). */
export function renderBuildpackLayers(buildpacks: BuildpackInfo[]): string {
  const layers: Record<string, Record<string, unknown>> = {};
  for (const bp of [...buildpacks].sort(byIdVersion)) {
    const info: Record<string, unknown> = { api: bp.api };
    if (bp.targets.length > 0) info.targets = bp.targets;
    info.layerDiffID = bp.diffId;
    if (bp.homepage) info.homepage = bp.homepage;
    if (bp.name) info.name = bp.name;
    (layers[bp.id] ??= {})[bp.version] = info;
  }
  return JSON.stringify(layers);
}

/** io.buildpacks.buildpackage.metadata for a one-buildpack package. */
export function renderBuildpackageMetadata(bp: BuildpackInfo): string {
  return JSON.stringify({ id: bp.id, version: bp.version, ...(bp.homepage ? { homepage: bp.homepage } : {}), stacks: [{ id: "*" }] });
}

export function renderOrderLabel(order: Order): string {
  return JSON.stringify(
    order.map(({ group }) => ({
      group: group.map((e) => ({ id: e.id, version: e.version, ...(e.optional ? { optional: true } : {}) })),
    })),
  );
}

/** io.buildpacks.builder.metadata (pack's builder.Metadata). */
export function renderBuilderMetadata(opts: {
  description: string;
  buildpacks: BuildpackInfo[];
  lifecycle: LifecycleInfo;
  runImage: string;
  createdBy: { name: string; version: string };
}): string {
  return JSON.stringify({
    description: opts.description,
    buildpacks: [...opts.buildpacks].sort(byIdVersion).map((bp) => ({
      id: bp.id,
      ...(bp.name ? { name: bp.name } : {}),
      version: bp.version,
      ...(bp.homepage ? { homepage: bp.homepage } : {}),
    })),
    extensions: null,
    // pack leaves the deprecated stack run image empty and names the run image in `images`.
    stack: { runImage: { image: "", mirrors: null } },
    lifecycle: {
      version: opts.lifecycle.version,
      api: { buildpack: opts.lifecycle.buildpackApis.supported[0], platform: opts.lifecycle.platformApis.supported[0] },
      apis: {
        buildpack: { deprecated: opts.lifecycle.buildpackApis.deprecated, supported: opts.lifecycle.buildpackApis.supported },
        platform: { deprecated: opts.lifecycle.platformApis.deprecated, supported: opts.lifecycle.platformApis.supported },
      },
    },
    createdBy: opts.createdBy,
    images: [{ image: opts.runImage, mirrors: null }],
  });
}

/** All builder labels, as `pack builder create` sets them. */
export function renderBuilderLabels(opts: Parameters<typeof renderBuilderMetadata>[0] & { order: Order }): Record<string, string> {
  return {
    [LABEL.builderMetadata]: renderBuilderMetadata(opts),
    [LABEL.buildpackLayers]: renderBuildpackLayers(opts.buildpacks),
    [LABEL.buildpackOrder]: renderOrderLabel(opts.order),
    [LABEL.extensionOrder]: "[]",
    [LABEL.extensionLayers]: "{}",
    [LABEL.mixins]: "null",
  };
}

function byIdVersion(a: BuildpackInfo, b: BuildpackInfo): number {
  const ka = `${a.id}@${a.version}`;
  const kb = `${b.id}@${b.version}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
