import type { Order } from "../model";
import { str } from "./toml";

/** /cnb/order.toml as pack writes it: resolved ids and versions, `optional` only when true. */
export function renderOrderToml(order: Order): string {
  const out: string[] = [];
  for (const { group } of order) {
    out.push("[[order]]", "");
    for (const e of group) {
      out.push("  [[order.group]]", `    id = ${str(e.id)}`, `    version = ${str(e.version)}`);
      if (e.optional) out.push("    optional = true");
      out.push("");
    }
  }
  return out.join("\n");
}
