import { str } from "./toml";

/** /cnb/stack.toml (platform API < 0.12 readers): the run image. */
export function renderStackToml(runImage: string): string {
  return ["[run-image]", `  image = ${str(runImage)}`, ""].join("\n");
}
