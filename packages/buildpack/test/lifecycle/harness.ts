// Runs the real CNB lifecycle phases (detector, builder) on a fixture app, as pack's creator
// would inside the builder, but directly on this machine: temp dirs, a non-root uid, and
// platform env files written from the fixture's project.toml the way pack writes them.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as TOML from "@iarna/toml";

export const BUILDPACK_ID = "kn-fn/python-function";
export const BUILDPACK_DIR_NAME = "kn-fn_python-function";
export const UID = 1000;
export const GID = 1000;
/** Debian's python3 first: the stack's interpreter, not whatever else is on this machine. */
export const PATH = "/usr/bin:/bin:/usr/sbin:/sbin";
const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(PACKAGE_ROOT, "test", "fixtures");
const EPOCH = 315532801;

/** KN_FN_LIFECYCLE_DIR from the environment or from setup.sh's env.sh; a clear failure otherwise. */
export function lifecycleDir(): string {
  let dir = process.env["KN_FN_LIFECYCLE_DIR"];
  if (!dir) {
    const envSh = path.join(process.env["KN_FN_CACHE"] ?? path.join(os.homedir(), ".cache", "kn-fn"), "env.sh");
    if (fs.existsSync(envSh)) dir = /export KN_FN_LIFECYCLE_DIR=(\S+)/.exec(fs.readFileSync(envSh, "utf8"))?.[1];
  }
  if (!dir || !fs.existsSync(path.join(dir, "detector")) || !fs.existsSync(path.join(dir, "builder"))) {
    throw new Error(
      `The lifecycle tests need the CNB lifecycle (detector, builder): set KN_FN_LIFECYCLE_DIR or run scripts/setup.sh, which writes ~/.cache/kn-fn/env.sh. Found: ${dir ?? "nothing"}`,
    );
  }
  return dir;
}

function chownTree(dir: string): void {
  execFileSync("chown", ["-R", `${UID}:${GID}`, dir]);
}

/** The packaged buildpack, made once per test file under buildpacks/<id>/<version>. */
export function packageBuildpack(root: string): string {
  const version = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
  const dir = path.join(root, "buildpacks", BUILDPACK_DIR_NAME, version);
  execFileSync("bash", [path.join(PACKAGE_ROOT, "scripts", "package.sh"), dir], { stdio: "pipe" });
  fs.writeFileSync(
    path.join(root, "order.toml"),
    `[[order]]\n\n  [[order.group]]\n    id = "${BUILDPACK_ID}"\n    version = "${version}"\n`,
  );
  execFileSync("chmod", ["-R", "a+rX", root]);
  return path.join(root, "buildpacks");
}

export interface Workspace {
  root: string;
  app: string;
  layers: string;
  platform: string;
  home: string;
}

/** project.toml [[build.env]] / [[io.buildpacks.build.env]] plus extra env, as pack writes them. */
export function platformEnv(app: string, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  const projectToml = path.join(app, "project.toml");
  if (fs.existsSync(projectToml)) {
    const parsed = TOML.parse(fs.readFileSync(projectToml, "utf8")) as {
      build?: { env?: Array<{ name: string; value: string }> };
      io?: { buildpacks?: { build?: { env?: Array<{ name: string; value: string }> } } };
    };
    for (const e of [...(parsed.build?.env ?? []), ...(parsed.io?.buildpacks?.build?.env ?? [])]) env[e.name] = e.value;
  }
  return { ...env, ...extra };
}

/** This machine's loader directories: here the "run image" is this machine. */
const HOST_LOADER_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib"];

/** The shared objects this machine's loader finds, in the shape kn-fn-builder writes for the run image. */
export function hostLibraries(): string[] {
  const names = new Set<string>();
  for (const dir of HOST_LOADER_DIRS) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) if (/\.so(\.\d+)*$/.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** A run image library list at `file` (readable by the build uid). */
export function writeRunLibraries(file: string, libraries: string[]): void {
  fs.writeFileSync(file, JSON.stringify({ rootfs: "sha256:test", policy: "manylinux_2_36", libraries }));
}

/**
 * A fixture app in a fresh workspace. The buildpack checks native libraries against a list of
 * this machine's libraries (KN_FN_RUN_IMAGE_LIBRARIES) unless `env` names another list.
 */
export function workspace(fixture: string, env: Record<string, string> = {}, base = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-"))): Workspace {
  const ws = { root: base, app: path.join(base, "workspace"), layers: path.join(base, "layers"), platform: path.join(base, "platform"), home: path.join(base, "home") };
  fs.cpSync(path.join(FIXTURES, fixture), ws.app, { recursive: true });
  for (const dir of [ws.layers, path.join(ws.platform, "env"), ws.home]) fs.mkdirSync(dir, { recursive: true });
  const hostList = path.join(base, "run-image-libraries.json");
  writeRunLibraries(hostList, hostLibraries());
  const withList = { KN_FN_RUN_IMAGE_LIBRARIES: hostList, ...env };
  for (const [name, value] of Object.entries(platformEnv(ws.app, withList))) fs.writeFileSync(path.join(ws.platform, "env", name), value);
  // Target data as the analyzer writes it from the run image's labels (Platform API 0.12+).
  fs.writeFileSync(
    path.join(ws.layers, "analyzed.toml"),
    '[run-image]\n  reference = ""\n  [run-image.target]\n    os = "linux"\n    arch = "amd64"\n    [run-image.target.distro]\n      name = "debian"\n      version = "12"\n',
  );
  fs.chmodSync(base, 0o755);
  chownTree(base);
  return ws;
}

export interface PhaseResult {
  code: number;
  output: string;
}

let phasesDir: string | undefined;

/** A copy of the lifecycle the non-root uid can execute (the cache under /root is private). */
export function installLifecycle(root: string): void {
  phasesDir = path.join(root, "lifecycle");
  fs.cpSync(lifecycleDir(), phasesDir, { recursive: true, verbatimSymlinks: true });
  execFileSync("chmod", ["-R", "a+rX", phasesDir]);
}

function runPhase(phase: string, args: string[], extraEnv: Record<string, string> = {}, home: string): PhaseResult {
  if (phasesDir === undefined) throw new Error("installLifecycle() first");
  const result = spawnSync(
    "setpriv",
    [`--reuid=${UID}`, `--regid=${GID}`, "--clear-groups", "env", "-i", `PATH=${PATH}`, `HOME=${home}`, "CNB_PLATFORM_API=0.14",
      ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`), path.join(phasesDir, phase), ...args],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function commonFlags(ws: Workspace, buildpacks: string): string[] {
  return [
    "-app", ws.app, "-layers", ws.layers, "-platform", ws.platform, "-buildpacks", buildpacks,
    "-group", path.join(ws.layers, "group.toml"), "-plan", path.join(ws.layers, "plan.toml"),
    "-analyzed", path.join(ws.layers, "analyzed.toml"),
  ];
}

export function detector(ws: Workspace, buildpacks: string): PhaseResult {
  return runPhase("detector", [...commonFlags(ws, buildpacks), "-order", path.join(path.dirname(buildpacks), "order.toml"), "-log-level", "debug"], {}, ws.home);
}

export function builder(ws: Workspace, buildpacks: string): PhaseResult {
  return runPhase("builder", [...commonFlags(ws, buildpacks), "-log-level", "info"], {}, ws.home);
}

/** The tomls the restorer leaves for a cached layer: metadata only, no [types]. */
export function simulateRestore(ws: Workspace): void {
  const dir = path.join(ws.layers, BUILDPACK_DIR_NAME);
  // The layers whose toml says cache = true come back, their tomls without [types].
  const cached = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".toml") && n !== "launch.toml" && n !== "build.toml")) {
    const parsed = TOML.parse(fs.readFileSync(path.join(dir, name), "utf8"));
    if ((parsed["types"] as TOML.JsonMap | undefined)?.["cache"] === true) cached.add(name.slice(0, -".toml".length));
  }
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith(".toml") && cached.has(name.slice(0, -".toml".length))) {
      const parsed = TOML.parse(fs.readFileSync(file, "utf8"));
      fs.writeFileSync(file, TOML.stringify({ metadata: parsed["metadata"] } as TOML.JsonMap));
    } else if (!cached.has(name)) {
      fs.rmSync(file, { recursive: true, force: true }); // not cached: gone before the next build
    }
  }
  chownTree(ws.root);
}

export function readToml(file: string): TOML.JsonMap {
  return TOML.parse(fs.readFileSync(file, "utf8"));
}

/** The environment the launcher gives a process: each layer's env and env.launch files applied. */
export function launchEnv(layersDir: string, base: Record<string, string>): Record<string, string> {
  const env = { ...base };
  for (const layer of fs.readdirSync(layersDir).sort()) {
    const layerDir = path.join(layersDir, layer);
    if (!fs.statSync(layerDir).isDirectory()) continue;
    if (fs.existsSync(path.join(layerDir, "bin"))) env["PATH"] = `${path.join(layerDir, "bin")}:${env["PATH"] ?? ""}`;
    for (const scope of ["env", "env.launch"]) {
      const dir = path.join(layerDir, scope);
      if (!fs.existsSync(dir)) continue;
      const files = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
      for (const file of files) {
        const [name, action = "override"] = file.split(".") as [string, string?];
        if (action === "delim") continue;
        const value = fs.readFileSync(path.join(dir, file), "utf8");
        const delimFile = path.join(dir, `${name}.delim`);
        const delim = fs.existsSync(delimFile) ? fs.readFileSync(delimFile, "utf8") : "";
        if (action === "override") env[name] = value;
        else if (action === "default") env[name] ??= value;
        else if (action === "prepend") env[name] = env[name] ? `${value}${delim}${env[name]}` : value;
        else if (action === "append") env[name] = env[name] ? `${env[name]}${delim}${value}` : value;
      }
    }
  }
  return env;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface Served {
  port: number;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Start the default process the builder recorded for the launcher (config/metadata.toml),
 * with the layer env applied, and wait until it is ready. */
export async function serveDefaultProcess(ws: Workspace): Promise<Served> {
  const launch = readToml(path.join(ws.layers, "config", "metadata.toml")) as unknown as {
    processes: Array<{ type: string; command: string[]; args: string[]; "working-dir": string }>;
    "buildpack-default-process-type"?: string;
  };
  const web = launch.processes.find((p) => p.type === launch["buildpack-default-process-type"]);
  if (!web) throw new Error("config/metadata.toml has no default process");
  const port = await freePort();
  const env = launchEnv(path.join(ws.layers, BUILDPACK_DIR_NAME), { PATH, HOME: ws.home, PORT: String(port), HOST: "127.0.0.1" });
  const [command, ...args] = [...web.command, ...web.args];
  const child = spawn("setpriv", [`--reuid=${UID}`, `--regid=${GID}`, "--clear-groups", "env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command as string, ...args], {
    cwd: web["working-dir"],
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await done;
    }
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the web process exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (response.status === 200) return { port, child, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the web process did not become ready:\n${output}`);
}

export function removeWorkspace(ws: Workspace): void {
  fs.rmSync(ws.root, { recursive: true, force: true });
}

export { EPOCH };
