// Entry point of the bundle: bin/detect and bin/build exec `node main.js detect|build`.
// Exit codes (Buildpack API 0.10): detect 0 pass / 100 fail; anything else is an error.
import * as path from "node:path";
import { build } from "./build";
import { detect } from "./detect";
import { BuildpackError } from "./errors";
import { nodeFileSystem, processRunner } from "./io";
import { createLogger } from "./log";
import { RUN_LIBRARIES_ENV, RUN_LIBRARIES_PATH } from "./native-libraries";
import { RUN_DPKG_STATUS_ENV, RUN_DPKG_STATUS_PATH } from "./layers/system-packages";
import { errors } from "./messages";

export const EXIT_ERROR = 1;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new BuildpackError("internal", errors.unexpected(`${name} is not set; run this from the CNB lifecycle`));
  return value;
}

export async function main(phase: string | undefined): Promise<number> {
  const logger = createLogger((s) => process.stdout.write(s), (s) => process.stderr.write(s));
  try {
    switch (phase) {
      case "detect":
        return detect({
          appDir: process.cwd(),
          platformDir: required("CNB_PLATFORM_DIR"),
          fs: nodeFileSystem,
          say: (line) => process.stdout.write(`${line}\n`),
        });
      case "build":
        await build({
          appDir: process.cwd(),
          layersDir: required("CNB_LAYERS_DIR"),
          platformDir: required("CNB_PLATFORM_DIR"),
          buildpackDir: process.env["CNB_BUILDPACK_DIR"] ?? path.resolve(__dirname, ".."),
          runLibrariesFile: process.env[RUN_LIBRARIES_ENV] || RUN_LIBRARIES_PATH,
          runDpkgStatusFile: process.env[RUN_DPKG_STATUS_ENV] || RUN_DPKG_STATUS_PATH,
          arch: process.env["CNB_TARGET_ARCH"] || (process.arch === "x64" ? "amd64" : process.arch),
          env: process.env,
          fs: nodeFileSystem,
          runner: processRunner,
          logger,
        });
        return 0;
      default:
        throw new BuildpackError("internal", errors.unknownPhase(String(phase)));
    }
  } catch (error) {
    logger.error(error instanceof BuildpackError ? error.message : errors.unexpected(error instanceof Error ? (error.stack ?? error.message) : String(error)));
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  void main(process.argv[2]).then((code) => {
    process.exitCode = code;
  });
}
