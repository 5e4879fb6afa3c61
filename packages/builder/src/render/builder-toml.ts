import type { Order, Target } from "../model";
import { str } from "./toml";

/** builder.toml for `pack builder create` (pack 0.39 schema: [build], [[run.images]]). */
export function renderBuilderToml(opts: {
  description: string;
  buildpackUris: string[];
  order: Order;
  lifecycleUri: string;
  buildImage: string;
  runImage: string;
  targets: Target[];
  user: { uid: number; gid: number };
}): string {
  const out: string[] = [`description = ${str(opts.description)}`, ""];
  for (const uri of opts.buildpackUris) out.push("[[buildpacks]]", `  uri = ${str(uri)}`, "");
  for (const { group } of opts.order) {
    out.push("[[order]]");
    for (const e of group) {
      out.push("  [[order.group]]", `    id = ${str(e.id)}`, `    version = ${str(e.version)}`);
      if (e.optional) out.push("    optional = true");
    }
    out.push("");
  }
  out.push("[lifecycle]", `  uri = ${str(opts.lifecycleUri)}`, "");
  out.push("[build]", `  image = ${str(opts.buildImage)}`, "");
  out.push("[[run.images]]", `  image = ${str(opts.runImage)}`, "");
  for (const t of opts.targets) {
    out.push("[[targets]]", `  os = ${str(t.os)}`, `  arch = ${str(t.arch)}`, "");
  }
  return out.join("\n");
}
