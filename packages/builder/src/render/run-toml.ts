import { str } from "./toml";

/** /cnb/run.toml (platform API >= 0.12): the run images, first one is the default. */
export function renderRunToml(runImages: string[]): string {
  return runImages.flatMap((image) => ["[[images]]", `  image = ${str(image)}`, ""]).join("\n");
}
