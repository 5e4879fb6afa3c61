import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readBuildpackDescriptor } from "./buildpack/buildpack";
import type { ResolvedConfig } from "./config/load";
import { resolveOrder } from "./create-builder";
import { errors } from "./messages";
import { escapeId } from "./model";
import { renderBuilderToml } from "./render/builder-toml";

/** builder.toml for `pack builder create`, pointing at the .cnb files `package` writes into outDir. */
export function builderToml(r: ResolvedConfig, outDir: string): string {
  if (!r.lifecycleTgz) throw errors.lifecycleMissing();
  const descs = r.buildpackDirs.map(readBuildpackDescriptor);
  const order = resolveOrder(r, descs.map((d) => ({ ...d, diffId: "" })));
  return renderBuilderToml({
    description: r.config.description,
    buildpackUris: descs.map((d) => join(outDir, `${escapeId(d.id)}-${d.version}.cnb`)),
    order,
    lifecycleUri: r.lifecycleTgz,
    buildImage: r.images.build[0] as string,
    runImage: r.images.run[0] as string,
    targets: [{ os: "linux", arch: "amd64" }],
    user: r.config.stack.build.user,
  });
}

export function writeBuilderToml(r: ResolvedConfig, outDir: string): string {
  const file = join(outDir, "builder.toml");
  writeFileSync(file, builderToml(r, outDir));
  return file;
}
