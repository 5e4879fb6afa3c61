// The real lifecycle (detector, builder) on fixture apps; then the web process answers.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUILDPACK_DIR_NAME, builder, detector, installLifecycle, lifecycleDir, packageBuildpack, readToml, removeWorkspace, serveDefaultProcess, simulateRestore, workspace, type Workspace,
} from "./harness";

jest.setTimeout(300_000);

let root: string;
let buildpacks: string;
const workspaces: Workspace[] = [];

beforeAll(() => {
  lifecycleDir(); // fail first, and clearly, when the lifecycle is not there
  root = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-pkg-"));
  installLifecycle(root);
  buildpacks = packageBuildpack(root);
});

afterAll(() => {
  for (const ws of workspaces) removeWorkspace(ws);
  fs.rmSync(root, { recursive: true, force: true });
});

function ws(fixture: string, env: Record<string, string> = {}): Workspace {
  const w = workspace(fixture, env);
  workspaces.push(w);
  return w;
}

function detectAndBuild(w: Workspace) {
  const detect = detector(w, buildpacks);
  expect(detect.code).toBe(0);
  return builder(w, buildpacks);
}

const layer = (w: Workspace, ...parts: string[]) => path.join(w.layers, BUILDPACK_DIR_NAME, ...parts);

function expectBuilt(w: Workspace, handler: string) {
  const deps = readToml(layer(w, "dependencies.toml"));
  expect(deps["types"]).toEqual({ launch: true, build: false, cache: true });
  expect(Object.keys(deps["metadata"] as object).sort()).toEqual(["arch", "format", "inputs_sha256", "invoker_version", "python_version", "runtime_sha256", "source", "uv_version"]);
  expect(readToml(layer(w, "function.toml"))["types"]).toEqual({ launch: true, build: false, cache: false });
  expect(fs.readFileSync(layer(w, "function", "env.launch", "PYTHON_HANDLER.override"), "utf8")).toBe(handler);
  const venvPython = layer(w, "dependencies", "venv", "bin", "python");
  expect(readToml(layer(w, "launch.toml"))).toEqual({
    processes: [{ type: "web", command: [venvPython, "-m", "kn_fn_invoker", "--dir", w.app, "--handler", handler], args: [], default: true, "working-dir": w.app }],
  });
  const sbom = JSON.parse(fs.readFileSync(layer(w, "dependencies.sbom.cdx.json"), "utf8"));
  const names = sbom.components.map((c: { name: string; version: string }) => `${c.name.toLowerCase()}==${c.version}`);
  expect(names).toEqual(expect.arrayContaining(["flask==3.1.3", "kn-fn-invoker==0.1.0", "granian==2.8.9", "werkzeug==3.1.9"]));
  // uv runs from the buildpack: no installer (uv, pip, setuptools) is in the image.
  expect(names.filter((n: string) => /^(pip|setuptools|uv)==/.test(n))).toEqual([]);
  const sitePackages = layer(w, "dependencies", "venv", "lib", "python3.11", "site-packages");
  expect(fs.readdirSync(sitePackages).filter((n) => /^(pip|setuptools|_distutils_hack|uv)\b/.test(n))).toEqual([]);
  expect(fs.readdirSync(layer(w, "dependencies", "venv", "bin")).filter((n) => /^(pip|uv)/.test(n))).toEqual([]);
  // The lifecycle's own record for the exporter and launcher.
  const recorded = readToml(path.join(w.layers, "config", "metadata.toml")) as { processes?: Array<Record<string, unknown>>; "buildpack-default-process-type"?: string };
  expect(recorded["buildpack-default-process-type"]).toBe("web");
  expect(recorded.processes?.map((p) => [p["type"], p["buildpack-id"], (p["command"] as string[]).at(-1)])).toEqual([
    ["web", "kn-fn/python-function", handler],
  ]);
  return { sbom, names };
}

describe("the packaged buildpack", () => {
  it("has buildpack.toml for API 0.10 with targets, sh shims, node, uv, Poetry, the wheelhouse; fixed modes and mtimes", () => {
    const dir = path.join(buildpacks, BUILDPACK_DIR_NAME, "0.1.0");
    const descriptor = readToml(path.join(dir, "buildpack.toml"));
    expect(descriptor["api"]).toBe("0.10");
    expect(descriptor["buildpack"]).toMatchObject({ id: "kn-fn/python-function", version: "0.1.0", "sbom-formats": ["application/vnd.cyclonedx+json"] });
    expect(descriptor["targets"]).toEqual([{ os: "linux", arch: "amd64", distros: [{ name: "debian", version: "12" }] }]);
    for (const shim of ["bin/detect", "bin/build"]) {
      expect(fs.readFileSync(path.join(dir, shim), "utf8")).toMatch(/^#!\/bin\/sh\n/);
      expect(fs.statSync(path.join(dir, shim)).mode & 0o777).toBe(0o755);
    }
    expect(fs.statSync(path.join(dir, "node", "bin", "node")).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(path.join(dir, "lib"))).toEqual(["main.js"]);
    const wheels = fs.readdirSync(path.join(dir, "wheelhouse"));
    expect(wheels).toEqual(expect.arrayContaining(["runtime.json", "kn_fn_invoker-0.1.0-py3-none-any.whl", "flask-3.1.3-py3-none-any.whl"]));
    const runtime = JSON.parse(fs.readFileSync(path.join(dir, "wheelhouse", "runtime.json"), "utf8"));
    // Ranges, not the exact pins of requirements.lock: they must not constrain a user's lock.
    expect(Object.keys(runtime.requires).sort()).toEqual(["cloudevents", "flask", "granian", "werkzeug"]);
    for (const range of Object.values(runtime.requires)) expect(range).toMatch(/^>=[\d.]+,<\d+$/);
    const wheel = fs.readFileSync(path.join(dir, "wheelhouse", "kn_fn_invoker-0.1.0-py3-none-any.whl"));
    expect(runtime.invoker_sha256).toBe(createHash("sha256").update(wheel).digest("hex"));
    const uvVersion = (descriptor["metadata"] as Record<string, string>)["uv-version"] ?? "missing";
    expect(execFileSync(path.join(dir, "uv", "uv"), ["--version"], { encoding: "utf8" })).toMatch(new RegExp(`^uv ${uvVersion.replace(/\./g, "\\.")} `));
    expect(fs.statSync(path.join(dir, "uv", "uv")).mode & 0o777).toBe(0o755);
    expect(fs.existsSync(path.join(dir, "pip"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "poetry", "poetry", "__main__.py"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "poetry", "poetry_plugin_export"))).toBe(true);
    // Bytecode made at packaging, for the build image's Python: no build compiles these again.
    const tag = execFileSync("python3", ["-c", "import sys; print(sys.implementation.cache_tag)"], { encoding: "utf8" }).trim();
    for (const pyc of [["poetry", "poetry", "__pycache__", `__main__.${tag}.pyc`], ["elftools", "elftools", "elf", "__pycache__", `elffile.${tag}.pyc`]]) {
      expect(fs.existsSync(path.join(dir, ...pyc))).toBe(true);
    }
    expect(fs.statSync(path.join(dir, "buildpack.toml")).mtime.toISOString()).toBe("1980-01-01T00:00:01.000Z");
  });
});

describe("detect", () => {
  it("fails with one line on a directory without a function", () => {
    const w = ws("not-a-function");
    const result = detector(w, buildpacks);
    expect(result.code).toBe(20); // no buildpack group passed
    expect(result.output).toContain("no handler.py in the app directory and neither PYTHON_HANDLER nor BP_FUNCTION is set");
  });
});

describe("build", () => {
  it("HTTP default, no requirements.txt: layers, launch.toml, SBOM, log; serves; rebuild reuses the cache", async () => {
    const w = ws("http-default");
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    const log = result.output;
    for (const line of [
      "[Analysing the function]",
      "  Handler: handler.handler (default)",
      "  Python: 3.11.",
      "  Signature: HTTP function, parameters: req",
      "  Dependencies: none (no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines)",
      "[Installing dependencies]",
      "  Installing dependencies afresh because:\n  - no cached dependencies layer",
      "/uv/uv venv --python /usr/bin/python3 --no-project --no-config ",
      "/uv/uv pip install --python ",
      " --link-mode copy --offline --no-index --find-links ",
      "[Checking native libraries against the run image]",
      "/python/kn_fn_linkage.py --env ",
      // markupsafe's speedups and granian's extension: the ELF files the runtime's own wheels install
      "  Native libraries: 2 ELF files link only libraries the run image has or the packages ship",
      "[Checking that the function imports]",
      "  Imported handler.handler: HTTP function",
      "--invalidation-mode unchecked-hash",
      "  Wrote dependencies.sbom.cdx.json (",
      "  Process web (default): ",
    ]) expect(log).toContain(line);
    expectBuilt(w, "handler.handler");
    expect(fs.readdirSync(path.join(w.app, "__pycache__"))).toEqual(["handler.cpython-311.pyc"]);

    const served = await serveDefaultProcess(w);
    try {
      const response = await fetch(`http://127.0.0.1:${served.port}/?name=lifecycle`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("Hello, lifecycle!");
    } finally {
      await served.stop();
    }

    // Rebuild as pack would: cached layer restored (toml without [types]), code changed.
    simulateRestore(w);
    fs.writeFileSync(path.join(w.app, "handler.py"), "def handler(req):\n    return 'changed'\n");
    const again = builder(w, buildpacks);
    expect(again.code).toBe(0);
    expect(again.output).toContain("[Installing dependencies]\n  Reusing cached dependencies (no dependencies, same Python, runtime and uv)\n");
    expect(again.output).not.toContain("pip install");
    expect(again.output).not.toContain("uv venv");
    expectBuilt(w, "handler.handler");
    const served2 = await serveDefaultProcess(w);
    try {
      expect(await (await fetch(`http://127.0.0.1:${served2.port}/`)).text()).toBe("changed");
    } finally {
      await served2.stop();
    }
  });

  it("CloudEvent default with an empty requirements.txt answers a binary-mode event", async () => {
    const w = ws("cloudevent-default");
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Signature: CloudEvent function, parameters: data, attributes");
    expect(result.output).toContain("  Dependencies: none (no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines)");
    expectBuilt(w, "handler.handler");
    const served = await serveDefaultProcess(w);
    try {
      const response = await fetch(`http://127.0.0.1:${served.port}/`, {
        method: "POST",
        headers: { "ce-specversion": "1.0", "ce-id": "1", "ce-source": "/test", "ce-type": "com.example.ping", "content-type": "application/json" },
        body: JSON.stringify({ n: 1 }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("ce-type")).toBe("com.example.reply");
      expect(await response.json()).toEqual({ seen: { n: 1 }, type: "com.example.ping" });
    } finally {
      await served.stop();
    }
  });

  it("PYTHON_HANDLER from project.toml picks a custom module; a handler change is served after a rebuild", async () => {
    const w = ws("custom-module");
    expect(fs.readFileSync(path.join(w.platform, "env", "PYTHON_HANDLER"), "utf8")).toBe("main.do_event");
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Handler: main.do_event (from PYTHON_HANDLER)");
    expectBuilt(w, "main.do_event");
    let served = await serveDefaultProcess(w);
    try {
      expect(await (await fetch(`http://127.0.0.1:${served.port}/`, { method: "POST", body: "abc" })).json()).toEqual({ length: 3, via: "main.do_event" });
    } finally {
      await served.stop();
    }
    simulateRestore(w);
    fs.appendFileSync(path.join(w.app, "main.py"), "\n\ndef other(req):\n    return 'other'\n");
    fs.writeFileSync(path.join(w.platform, "env", "PYTHON_HANDLER"), "main.other");
    const again = builder(w, buildpacks);
    expect(again.output).toContain("Reusing cached dependencies (no dependencies, same Python, runtime and uv)");
    expect(again.code).toBe(0);
    expectBuilt(w, "main.other");
    served = await serveDefaultProcess(w);
    try {
      expect(await (await fetch(`http://127.0.0.1:${served.port}/`)).text()).toBe("other");
    } finally {
      await served.stop();
    }
  });

  it("BP_FUNCTION names a dotted package handler", async () => {
    const w = ws("dotted-package", { BP_FUNCTION: "pkg.sub.mod.serve" });
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Handler: pkg.sub.mod.serve (from BP_FUNCTION)");
    expectBuilt(w, "pkg.sub.mod.serve");
    const served = await serveDefaultProcess(w);
    try {
      expect(await (await fetch(`http://127.0.0.1:${served.port}/`)).text()).toBe("from pkg.sub.mod");
    } finally {
      await served.stop();
    }
  });

  it("installs a real package from PyPI with the invoker in one resolve, and lists it in the SBOM", async () => {
    const w = ws("pypi-package");
    const result = detectAndBuild(w);
    expect(result.code).toBe(0);
    expect(result.output).toContain("  Dependencies: requirements.txt (1 line)");
    expect(result.output).toMatch(/\/uv\/uv pip install --python \S+ --link-mode copy --find-links \S+ --requirement \S+runtime-requirements\.txt --requirement \S+\/requirements\.txt\n/);
    const { names } = expectBuilt(w, "handler.handler");
    expect(names).toContain("idna==3.20");
    const served = await serveDefaultProcess(w);
    try {
      expect(await (await fetch(`http://127.0.0.1:${served.port}/`)).json()).toEqual({ idna: "3.20" });
    } finally {
      await served.stop();
    }
  });
});

describe("build failures", () => {
  const FAILED_BUILD = 51; // the lifecycle's code for a buildpack that failed build

  function expectFailure(fixture: string, env: Record<string, string>, ...lines: string[]) {
    const w = ws(fixture, env);
    const result = detectAndBuild(w);
    expect(result.code).toBe(FAILED_BUILD);
    for (const line of lines) expect(result.output).toContain(line);
    expect(fs.existsSync(layer(w, "launch.toml"))).toBe(false);
    return { w, result };
  }

  it("unknown parameter name", () => {
    expectFailure("unknown-parameter", {}, "[Error: ", "context", "req");
  });
  it("mixed modes", () => {
    expectFailure("mixed-parameters", {}, "[Error: ", "req", "data");
  });
  it("missing function lists the functions that exist", () => {
    const { result } = expectFailure("missing-function", { PYTHON_HANDLER: "main.DoEvent" }, "[Error: handler function not found]", "do_event, helper");
    expect(result.output).not.toContain("[Installing dependencies]");
  });
  it.each([".x", "x.", "x", "../a.b"])("malformed handler %j: detect passes, build explains", (value) => {
    expectFailure("malformed-handler", { PYTHON_HANDLER: value }, `[Error: malformed handler] PYTHON_HANDLER=${value} is not of the form`);
  });
  it("syntax error", () => {
    expectFailure("syntax-error", {}, "[Error: ", "handler.py", "line 1");
  });
  it("import error shows the message; the installed dependencies stay for the next build", () => {
    const { w } = expectFailure("import-error", {}, "[Checking that the function imports]", "[Error: ", "module_that_does_not_exist_kn_fn");
    expect(fs.existsSync(layer(w, "dependencies.toml"))).toBe(true);
  });
  it("a stale pyc in the app dir cannot hide a broken import from the check", () => {
    const w = ws("import-error");
    // What a copied image or a reused workspace can leave: handler.py's unchecked-hash pyc
    // from a version that imported nothing missing. Used as it is, the check would pass.
    const good = path.join(w.root, "good-handler.py");
    fs.writeFileSync(good, 'def handler(req):\n    return "stale"\n');
    const script = [
      "import importlib.util, py_compile, sys",
      "py_compile.compile(sys.argv[1], cfile=importlib.util.cache_from_source(sys.argv[2]), doraise=True,",
      "                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)",
    ].join("\n");
    execFileSync("python3", ["-c", script, good, path.join(w.app, "handler.py")]);
    const result = detectAndBuild(w);
    expect(result.output).toContain("module_that_does_not_exist_kn_fn");
    expect(result.code).toBe(FAILED_BUILD);
  });
  it("a requirement that does not exist on PyPI fails with uv's message and leaves no layer", () => {
    const { w } = expectFailure(
      "missing-requirement",
      {},
      "[Error: dependencies not installed]",
      "Because kn-fn-no-such-package-on-pypi was not found in the package registry and you require kn-fn-no-such-package-on-pypi==9.9.9",
    );
    expect(fs.existsSync(layer(w, "dependencies.toml"))).toBe(false);
    expect(fs.existsSync(layer(w, "dependencies"))).toBe(false);
  });
});
