// What the READMEs promise about pip, on the real lifecycle: a pin that conflicts with the
// runtime's fails the build with pip's message and caches nothing; PIP_* variables given
// with `pack build --env` (platform env) reach pip.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUILDPACK_DIR_NAME, builder, detector, installLifecycle, lifecycleDir, packageBuildpack, readToml, removeWorkspace, simulateRestore, workspace, type Workspace,
} from "./harness";

jest.setTimeout(300_000);

const FAILED_BUILD = 51; // the lifecycle's code for a buildpack that failed build
const PIP_FAILED = "[Error: dependencies not installed] pip could not install requirements.txt together with the runtime invoker.";

let root: string;
let buildpacks: string;
const workspaces: Workspace[] = [];

beforeAll(() => {
  lifecycleDir();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-pkg-"));
  installLifecycle(root);
  buildpacks = packageBuildpack(root);
});

afterAll(() => {
  for (const w of workspaces) removeWorkspace(w);
  fs.rmSync(root, { recursive: true, force: true });
});

/** A workspace whose platform env may name paths inside it (`env(appDir)`). */
function ws(fixture: string, env: (app: string) => Record<string, string> = () => ({})): Workspace {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-"));
  const w = workspace(fixture, env(path.join(base, "workspace")), base);
  workspaces.push(w);
  return w;
}

function detectAndBuild(w: Workspace) {
  expect(detector(w, buildpacks).code).toBe(0);
  return builder(w, buildpacks);
}

const layer = (w: Workspace, ...parts: string[]) => path.join(w.layers, BUILDPACK_DIR_NAME, ...parts);

function sbomNames(w: Workspace): string[] {
  const sbom = JSON.parse(fs.readFileSync(layer(w, "dependencies.sbom.cdx.json"), "utf8"));
  return sbom.components.map((c: { name: string; version: string }) => `${c.name.toLowerCase()}==${c.version}`);
}

/** A pure-Python wheel kn_fn_local_wheel 1.0.0 (VERSION = "1.0.0"), on no index. */
function writeLocalWheel(dir: string): void {
  execFileSync("python3", ["-c", `
import base64, hashlib, sys, zipfile
files = {
    "kn_fn_local_wheel/__init__.py": 'VERSION = "1.0.0"\\n',
    "kn_fn_local_wheel-1.0.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: kn-fn-local-wheel\\nVersion: 1.0.0\\n",
    "kn_fn_local_wheel-1.0.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: kn-fn-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},{len(text.encode())}" for name, text in files.items()]
files["kn_fn_local_wheel-1.0.0.dist-info/RECORD"] = "\\n".join(record + ["kn_fn_local_wheel-1.0.0.dist-info/RECORD,,"]) + "\\n"
with zipfile.ZipFile(sys.argv[1] + "/kn_fn_local_wheel-1.0.0-py3-none-any.whl", "w") as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)
`, dir]);
  execFileSync("chown", ["-R", "1000:1000", dir]);
}

describe("a requirement pin that conflicts with the runtime's", () => {
  it("fails the build with pip's conflict message, caches nothing, and the fixed pin builds", () => {
    const w = ws("conflicting-pin");
    const result = detectAndBuild(w);
    expect(result.code).toBe(FAILED_BUILD);
    const log = result.output;
    expect(log).toContain(PIP_FAILED);
    // pip's own words: the package, both pins, and the resolver's verdict.
    expect(log).toContain("Cannot install flask==2.0.0");
    expect(log).toContain("conflicting dependencies");
    expect(log).toContain("The user requested flask==2.0.0");
    expect(log).toMatch(/The user requested \(constraint\) flask==3\.1\.3/);
    expect(log).toContain("ResolutionImpossible");
    // Nothing for the next build to restore, and no app image config.
    expect(fs.existsSync(layer(w, "dependencies.toml"))).toBe(false);
    expect(fs.existsSync(layer(w, "dependencies"))).toBe(false);
    expect(fs.existsSync(layer(w, "launch.toml"))).toBe(false);

    // The user fixes the pin: the next build installs afresh (no cache from the failure) and succeeds.
    simulateRestore(w);
    fs.writeFileSync(path.join(w.app, "requirements.txt"), "flask==3.1.3\n");
    const fixed = builder(w, buildpacks);
    expect(fixed.code).toBe(0);
    expect(fixed.output).toContain("  Installing dependencies afresh because:\n  - no cached dependencies layer\n");
    expect(sbomNames(w)).toContain("flask==3.1.3");
    expect(readToml(layer(w, "dependencies.toml"))["types"]).toEqual({ launch: true, build: false, cache: true });
  });
});

describe("PIP_* variables in the platform env (pack build --env) reach pip", () => {
  it("PIP_NO_INDEX and PIP_FIND_LINKS: a requirement on no index installs from a wheel in the app dir", () => {
    const w = ws("local-wheel", (app) => ({ PIP_NO_INDEX: "1", PIP_FIND_LINKS: path.join(app, "wheels") }));
    fs.mkdirSync(path.join(w.app, "wheels"));
    writeLocalWheel(path.join(w.app, "wheels"));
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Imported handler.handler: HTTP function");
    expect(sbomNames(w)).toEqual(expect.arrayContaining(["kn-fn-local-wheel==1.0.0", "kn-fn-invoker==0.1.0", "flask==3.1.3"]));
  });

  it("PIP_INDEX_URL: pip asks that index, and its message names it", () => {
    const index = "http://127.0.0.1:9/simple"; // discard port: nothing listens, refused at once
    const w = ws("pypi-package", () => ({ PIP_INDEX_URL: index, PIP_RETRIES: "0" }));
    const result = detectAndBuild(w);
    expect(result.code).toBe(FAILED_BUILD);
    expect(result.output).toContain(PIP_FAILED);
    expect(result.output).toContain(`Looking in indexes: ${index}`);
    expect(result.output).toContain("No matching distribution found for idna==3.20");
    expect(result.output).not.toContain("pypi.org");
  });
});
