// Layer `function` (launch only, rewritten every build): the handler setting for the running
// image. Kept out of `dependencies` so a handler change does not touch the big cached layer,
// and never cached, so a renamed handler can never serve stale metadata (behaviour.md, Build 7).
import { layerDir, writeLayerToml } from "../cnb/layer";
import { writeEnv } from "../cnb/env";
import type { FileSystem } from "../io";

export const FUNCTION_LAYER = "function";

export function writeFunctionLayer(fs: FileSystem, layersDir: string, handler: string): void {
  const layer = layerDir(layersDir, FUNCTION_LAYER);
  fs.remove(layer);
  fs.mkdirp(layer);
  writeEnv(fs, layer, [{ scope: "env.launch", name: "PYTHON_HANDLER", action: "override", value: handler }]);
  writeLayerToml(fs, layersDir, FUNCTION_LAYER, { types: { launch: true, build: false, cache: false }, metadata: { handler } });
}
