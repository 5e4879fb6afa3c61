// A fake build world: an app dir, a platform dir, a buildpack with a wheelhouse, and a runner
// that answers like Python, the invoker, pip and compileall do.
import * as path from "node:path";
import { build, type BuildContext } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import type { RunOptions } from "../../src/io";
import { bufferLogger, FakeRunner, MemoryFs, type Handler } from "./fakes";

export const APP = "/workspace";
export const LAYERS = "/layers/kn-fn_python-function";
export const PLATFORM = "/platform";
export const BUILDPACK = "/cnb/buildpacks/kn-fn_python-function/0.1.0";
export const WHEELHOUSE = `${BUILDPACK}/wheelhouse`;
export const UV = `${BUILDPACK}/uv/uv`;
export const POETRY = `${BUILDPACK}/poetry`;
export const VENV = `${LAYERS}/dependencies/venv`;
export const VENV_PYTHON = `${VENV}/bin/python`;
export const RUN_LIBRARIES = "/usr/share/kn-fn/run-image-libraries.json";
export const LINKAGE = `${BUILDPACK}/python/kn_fn_linkage.py`;
export const RUN_DPKG_STATUS = "/usr/share/kn-fn/run-image-dpkg-status";

export interface WorldOptions {
  files?: Record<string, string>;
  env?: Record<string, string>;
  python?: { version: string; executable: string } | "missing";
  staticCheck?: object;
  importCheck?: object;
  install?: { code: number; output: string };
  /** uv export of uv.lock / Poetry's export: what it writes (default: two pinned lines) or a failure. */
  lockExport?: { code: number; output: string; content?: string };
  venv?: { code: number; output: string };
  compileVenv?: { code: number; output: string };
  compileApp?: { code: number; output: string };
  distributions?: Array<{ name: string; version: string }> | "fail";
  /** The build image's list of run image libraries: absent with "none". */
  runLibraries?: "none";
  /** What the linkage check reports (default: 3 ELF files, nothing missing). */
  linkage?: { code: number; output: string; stdout?: string };
  extraHandlers?: Handler[];
  /** The build process's environment (platform env the lifecycle exported, e.g. UV_INDEX). */
  processEnv?: Record<string, string>;
}

export function okCheck(handler = "handler.handler", mode = "http", parameters = ["req"]): object {
  return { ok: true, handler, mode, parameters, async: false, hooks: [] };
}

export function world(options: WorldOptions = {}) {
  const fs = new MemoryFs();
  fs.mkdirp(APP);
  fs.mkdirp(LAYERS);
  fs.mkdirp(`${PLATFORM}/env`);
  fs.writeFile(`${WHEELHOUSE}/kn_fn_invoker-0.1.0-py3-none-any.whl`, "zip");
  fs.writeFile(`${WHEELHOUSE}/flask-3.1.3-py3-none-any.whl`, "zip");
  fs.writeFile(
    `${WHEELHOUSE}/runtime.json`,
    JSON.stringify({ invoker_version: "0.1.0", invoker_sha256: "ab".repeat(32), requires: { flask: ">=3.1,<4", werkzeug: ">=3.1,<4", granian: ">=2.8,<3", cloudevents: ">=2.2,<3" } }),
  );
  fs.writeFile(UV, "#!uv");
  fs.writeFile(`${POETRY}/poetry/__main__.py`, "");
  fs.writeFile(LINKAGE, "# checker");
  fs.writeFile(`${BUILDPACK}/elftools/elftools/__init__.py`, "");
  if (options.runLibraries !== "none") fs.writeFile(RUN_LIBRARIES, JSON.stringify({ rootfs: "sha256:0", policy: "manylinux_2_36", libraries: ["libc.so.6"] }));
  for (const [name, content] of Object.entries(options.files ?? { "handler.py": "def handler(req):\n    return 'hi'\n" })) {
    fs.writeFile(path.join(APP, name), content);
  }
  for (const [name, value] of Object.entries(options.env ?? {})) fs.writeFile(`${PLATFORM}/env/${name}`, value);

  const python = options.python ?? { version: "3.11.2", executable: "/usr/bin/python3" };
  const has = (argv: readonly string[], ...words: string[]) => words.every((w) => argv.includes(w));
  const json = (value: unknown) => ({ stdout: `${JSON.stringify(value)}\n` });
  const handlers: Handler[] = [
    ...(options.extraHandlers ?? []),
    (argv) => {
      if (argv[0] !== "python3" || argv[1] !== "-c") return undefined;
      return python === "missing" ? { code: 127, output: "python3: not found" } : json(python);
    },
    (argv) => (has(argv, "check", "--static") ? { ...json(options.staticCheck ?? okCheck()), code: (options.staticCheck as { ok?: boolean } | undefined)?.ok === false ? 1 : 0 } : undefined),
    (argv) => (argv[0] === UV && argv[1] === "--version" ? { stdout: "uv 0.13.10 (x86_64-unknown-linux-gnu)\n" } : undefined),
    (argv) => {
      const exporting = (argv[0] === UV && argv[1] === "export") || has(argv, "-m", "poetry", "export");
      if (!exporting) return undefined;
      const result = options.lockExport ?? { code: 0, output: "", content: "six==1.17.0 \\\n    --hash=sha256:00\nflask==3.1.3 \\\n    --hash=sha256:11\n" };
      const output = argv[argv.indexOf(argv[0] === UV ? "--output-file" : "--output") + 1] as string;
      if (result.code === 0) fs.writeFile(output, result.content ?? "");
      return result;
    },
    (argv) => {
      if (!(argv[0] === UV && argv[1] === "venv")) return undefined;
      const result = options.venv ?? { code: 0, output: "" };
      if (result.code === 0) fs.writeFile(VENV_PYTHON, "#!python");
      return result;
    },
    (argv) => (argv[0] === UV && has(argv, "pip", "install") ? options.install ?? { code: 0, output: "Installed 2 packages\n + flask==3.1.3\n + kn-fn-invoker==0.1.0\n" } : undefined),
    (argv) => (has(argv, "compileall") && argv.includes(`${VENV}/lib`) ? options.compileVenv ?? { code: 0 } : undefined),
    (argv) => (has(argv, "compileall") && argv.includes(APP) ? options.compileApp ?? { code: 0 } : undefined),
    (argv) => (argv.includes(LINKAGE) ? options.linkage ?? { code: 0, ...json({ checked: 3, missing: [] }) } : undefined),
    (argv) => (has(argv, "check") ? { ...json(options.importCheck ?? okCheck()), code: (options.importCheck as { ok?: boolean } | undefined)?.ok === false ? 1 : 0 } : undefined),
    (argv) => {
      if (!has(argv, "-I", "-c")) return undefined;
      const d = options.distributions ?? [
        { name: "Flask", version: "3.1.3" },
        { name: "kn-fn-invoker", version: "0.1.0" },
        { name: "Werkzeug", version: "3.1.9" },
      ];
      return d === "fail" ? { code: 1, output: "Traceback: boom" } : json(d);
    },
  ];
  const runner = new FakeRunner(handlers);
  const log = bufferLogger();
  const ctx: BuildContext = {
    appDir: APP,
    layersDir: LAYERS,
    platformDir: PLATFORM,
    buildpackDir: BUILDPACK,
    runLibrariesFile: RUN_LIBRARIES,
    runDpkgStatusFile: RUN_DPKG_STATUS,
    arch: "amd64",
    env: options.processEnv ?? {},
    fs,
    runner,
    logger: log.logger,
  };
  return { fs, runner, log, ctx };
}

export type RunOptionsT = RunOptions;

/** The BuildpackError a build in a fresh world fails with, and the world; fails the test when the build passes. */
export async function failure(options: WorldOptions): Promise<{ error: BuildpackError; w: ReturnType<typeof world> }> {
  const w = world(options);
  try {
    await build(w.ctx);
  } catch (e) {
    if (e instanceof BuildpackError) return { error: e, w };
    throw e;
  }
  throw new Error("build passed");
}
