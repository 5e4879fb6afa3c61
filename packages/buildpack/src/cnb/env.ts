// Layer env files: <layer>/env.launch/NAME.override etc. (Buildpack API 0.10, "Environment").
import * as path from "node:path";
import type { FileSystem } from "../io";

export type EnvScope = "env" | "env.build" | "env.launch";
export type EnvAction = "override" | "default" | "prepend" | "append";

export interface EnvSetting {
  scope: EnvScope;
  name: string;
  action: EnvAction;
  value: string;
  /** For prepend/append: the separator, written as NAME.delim. */
  delim?: string;
}

/** Pure: the files (relative to the layer dir) and their contents. */
export function envFiles(settings: readonly EnvSetting[]): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const s of settings) {
    files.push([path.join(s.scope, `${s.name}.${s.action}`), s.value]);
    if (s.delim !== undefined) files.push([path.join(s.scope, `${s.name}.delim`), s.delim]);
  }
  return files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function writeEnv(fs: FileSystem, layer: string, settings: readonly EnvSetting[]): void {
  for (const [relative, value] of envFiles(settings)) {
    fs.mkdirp(path.dirname(path.join(layer, relative)));
    fs.writeFile(path.join(layer, relative), value);
  }
}
