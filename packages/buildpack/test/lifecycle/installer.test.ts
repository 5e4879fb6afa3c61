// What the READMEs promise about the installer, on the real lifecycle: a pin that conflicts
// with the runtime's fails the build before anything is installed and caches nothing; uv's and
// pip's index variables given with `pack build --env` (platform env) reach uv, and a credential
// in them never reaches the log; vendor/ installs with no index.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUILDPACK_DIR_NAME, builder, detector, installLifecycle, lifecycleDir, packageBuildpack, readToml, removeWorkspace, simulateRestore, workspace, type Workspace,
} from "./harness";

jest.setTimeout(300_000);

const FAILED_BUILD = 51; // the lifecycle's code for a buildpack that failed build
const INSTALL_FAILED = "[Error: dependencies not installed] uv could not install the dependencies from requirements.txt together with the runtime invoker.";

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
  it("fails the build before installing, naming the package, the pin and the range; caches nothing; the fixed pin builds", () => {
    const w = ws("conflicting-pin");
    const result = detectAndBuild(w);
    expect(result.code).toBe(FAILED_BUILD);
    const log = result.output;
    expect(log).toMatch(
      /\[Error: dependencies conflict with the runtime\] requirements\.txt pins flask 2\.0\.0, but the runtime invoker 0\.1\.0 runs in the same environment and needs flask>=2\.3\.3,<4\. Nothing was installed\./,
    );
    expect(log).not.toContain("uv venv");
    expect(log).not.toContain("uv pip install");
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

describe("index settings in the platform env (pack build --env) reach uv", () => {
  it("PIP_NO_INDEX and PIP_FIND_LINKS (as uv's --no-index and --find-links): a requirement on no index installs from a wheel in the app dir", () => {
    const w = ws("local-wheel", (app) => ({ PIP_NO_INDEX: "1", PIP_FIND_LINKS: path.join(app, "wheels") }));
    fs.mkdirSync(path.join(w.app, "wheels"));
    writeLocalWheel(path.join(w.app, "wheels"));
    const result = detectAndBuild(w);
    expect(result.output).toContain("  Package index: PIP_FIND_LINKS -> uv --find-links\n  Package index: PIP_NO_INDEX -> uv --no-index\n");
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Imported handler.handler: HTTP function");
    expect(sbomNames(w)).toEqual(expect.arrayContaining(["kn-fn-local-wheel==1.0.0", "kn-fn-invoker==0.1.0", "flask==3.1.3"]));
  });

  it("vendor/ of wheels: installed with no index at all, and a new wheel there reinstalls", () => {
    const w = ws("local-wheel");
    fs.writeFileSync(path.join(w.app, "requirements.txt"), "kn-fn-local-wheel==1.0.0\n");
    fs.mkdirSync(path.join(w.app, "vendor"));
    writeLocalWheel(path.join(w.app, "vendor"));
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Vendored wheels: 1 in vendor/; installing with no package index\n");
    expect(result.output).toMatch(/ --offline --no-index --find-links \S+\/workspace\/vendor --find-links /);
    expect(sbomNames(w)).toContain("kn-fn-local-wheel==1.0.0");
    simulateRestore(w);
    fs.writeFileSync(path.join(w.app, "vendor", "other-1.0-py3-none-any.whl"), "not used");
    const again = builder(w, buildpacks);
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/  - requirements\.txt changed \(sha256 \w{12} -> \w{12}\)\n/);
  });

  it("PIP_INDEX_URL becomes uv's default index, and a credential in it is masked in the log and the error", () => {
    const secret = "tok-4f9c2e7d1a";
    const index = `http://kn-fn:${secret}@127.0.0.1:9/simple`; // discard port: nothing listens, refused at once
    const w = ws("pypi-package", () => ({ PIP_INDEX_URL: index, PIP_RETRIES: "0", UV_HTTP_RETRIES: "0" }));
    const result = detectAndBuild(w);
    expect(result.code).toBe(FAILED_BUILD);
    expect(result.output).toContain("  Package index: PIP_INDEX_URL -> UV_DEFAULT_INDEX\n");
    expect(result.output).toContain("  Package index: not read by uv: PIP_RETRIES\n");
    expect(result.output).toContain(INSTALL_FAILED);
    expect(result.output).toContain("Failed to fetch: http://127.0.0.1:9/simple/");
    expect(result.output).not.toContain("pypi.org");
    expect(result.output).not.toContain(secret);
    expect(fs.existsSync(layer(w, "dependencies"))).toBe(false);
  });
});
