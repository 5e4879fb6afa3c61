import * as TOML from "@iarna/toml";
import { build } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import { renderLayerToml } from "../../src/cnb/layer";
import { requirementsSha256 } from "../../src/layers/dependencies";
import { APP, LAYERS, LINKAGE, okCheck, PIP, RUN_LIBRARIES, VENV, VENV_PYTHON, WHEELHOUSE, world, type WorldOptions } from "./world";

async function failure(options: WorldOptions): Promise<{ error: BuildpackError; w: ReturnType<typeof world> }> {
  const w = world(options);
  try {
    await build(w.ctx);
  } catch (e) {
    if (e instanceof BuildpackError) return { error: e, w };
    throw e;
  }
  throw new Error("build passed");
}

const FRESH_LOG = `[Analysing the function]
  Handler: handler.handler (default)
  Python: 3.11.2 (/usr/bin/python3)
  $ /usr/bin/python3 -m kn_fn_invoker check --static --json --dir ${APP} --handler handler.handler
  Signature: HTTP function, parameters: req
  Requirements: none (no requirements.txt)

[Installing dependencies]
  Installing dependencies afresh because:
  - no cached dependencies layer
  $ /usr/bin/python3 -m venv --without-pip ${VENV}
  pip 26.3 runs from the buildpack; the image gets no pip or setuptools
  $ ${VENV_PYTHON} -m pip install --no-compile --no-index --find-links ${WHEELHOUSE} --constraint ${WHEELHOUSE}/constraints.txt kn-fn-invoker==0.1.0
      Successfully installed flask-3.1.3 kn-fn-invoker-0.1.0
  $ ${VENV_PYTHON} -m compileall -q -f -j 0 --invalidation-mode unchecked-hash ${VENV}/lib

[Checking native libraries against the run image]
  $ ${VENV_PYTHON} ${LINKAGE} --env ${VENV} --run-libraries ${RUN_LIBRARIES}
  Native libraries: 3 ELF files link only libraries the run image has or the packages ship

[Checking that the function imports]
  $ ${VENV_PYTHON} -m kn_fn_invoker check --json --dir ${APP} --handler handler.handler
  Imported handler.handler: HTTP function

[Compiling the function's bytecode]
  $ ${VENV_PYTHON} -m compileall -q -f --invalidation-mode unchecked-hash -x '/(\\.[^/]*|node_modules|__pycache__)(/|$)' ${APP}

[Writing the SBOM]
  $ ${VENV_PYTHON} -I -c '<list installed distributions>'
  Wrote dependencies.sbom.cdx.json (3 distributions)

[Configuring the launch process]
  Process web (default): ${VENV_PYTHON} -m kn_fn_invoker --dir ${APP} --handler handler.handler
  Done
`;

describe("build", () => {
  it("builds a default HTTP function: the whole log", async () => {
    const w = world();
    await build(w.ctx);
    expect(w.log.text()).toBe(FRESH_LOG);
  });

  it("writes the layers, their tomls, the SBOM and launch.toml", async () => {
    const w = world();
    await build(w.ctx);
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toBe(
      renderLayerToml({
        types: { launch: true, build: false, cache: true },
        metadata: { arch: "amd64", format: "2", invoker_version: "0.1.0", pip_version: "26.3", python_version: "3.11.2", requirements_sha256: requirementsSha256("") },
      }),
    );
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain("[types]\nlaunch = true\nbuild = false\ncache = true\n");
    expect(w.fs.tree(`${LAYERS}/dependencies`)).toEqual(["env.launch/PATH.delim", "env.launch/PATH.prepend", "env.launch/VIRTUAL_ENV.override", "venv/bin/python"]);
    expect(w.fs.text(`${LAYERS}/dependencies/env.launch/PATH.prepend`)).toBe(`${VENV}/bin`);
    expect(w.fs.text(`${LAYERS}/function.toml`)).toBe('[types]\nlaunch = true\nbuild = false\ncache = false\n\n[metadata]\nhandler = "handler.handler"\n');
    expect(w.fs.text(`${LAYERS}/function/env.launch/PYTHON_HANDLER.override`)).toBe("handler.handler");
    expect(TOML.parse(w.fs.text(`${LAYERS}/launch.toml`))).toEqual({
      processes: [
        {
          type: "web",
          command: [VENV_PYTHON, "-m", "kn_fn_invoker", "--dir", APP, "--handler", "handler.handler"],
          args: [],
          default: true,
          "working-dir": APP,
        },
      ],
    });
    const sbom = JSON.parse(w.fs.text(`${LAYERS}/dependencies.sbom.cdx.json`));
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toEqual(["pkg:pypi/flask@3.1.3", "pkg:pypi/kn-fn-invoker@0.1.0", "pkg:pypi/werkzeug@3.1.9"]);
  });

  it("reuses the cache on a second build, rewriting the tomls (restored ones have no [types])", async () => {
    const w = world();
    await build(w.ctx);
    const metadata = w.fs.text(`${LAYERS}/dependencies.toml`).split("[metadata]")[1];
    w.fs.writeFile(`${LAYERS}/dependencies.toml`, `[metadata]${metadata}`); // as restored
    w.fs.remove(`${LAYERS}/launch.toml`);
    w.fs.remove(`${LAYERS}/function.toml`);
    const before = w.runner.calls.length;
    const again = world();
    again.ctx.fs = w.fs;
    await build(again.ctx);
    const commands = again.runner.commands();
    expect(commands.some((c) => c.includes("pip install") || c.includes(" -m venv "))).toBe(false);
    expect(again.log.text()).toContain("[Installing dependencies]\n  Reusing cached dependencies (requirements unchanged)\n\n[Checking");
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain("[types]\nlaunch = true\nbuild = false\ncache = true\n");
    expect(w.fs.kind(`${LAYERS}/launch.toml`)).toBe("file");
    expect(before).toBeGreaterThan(0);
  });

  it("reinstalls when the cached layer has no venv", async () => {
    const w = world();
    await build(w.ctx);
    w.fs.remove(`${VENV}`);
    const again = world();
    again.ctx.fs = w.fs;
    await build(again.ctx);
    expect(again.log.text()).toContain("  Installing dependencies afresh because:\n  - the cached layer has no virtualenv\n");
  });

  it("reinstalls when requirements change, with the reason", async () => {
    const w = world({ files: { "handler.py": "", "requirements.txt": "six==1.16.0\n# a comment\n\n" } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Requirements: requirements.txt (1 line)\n");
    expect(w.runner.commands()).toContain(
      `${VENV_PYTHON} -m pip install --no-compile --find-links ${WHEELHOUSE} --constraint ${WHEELHOUSE}/constraints.txt kn-fn-invoker==0.1.0 --requirement ${APP}/requirements.txt`,
    );
    w.fs.writeFile(`${APP}/requirements.txt`, "six==1.17.0\n");
    const again = world();
    again.ctx.fs = w.fs;
    await build(again.ctx);
    expect(again.log.text()).toContain(
      `  Installing dependencies afresh because:\n  - requirements.txt changed (sha256 ${requirementsSha256("six==1.16.0\n# a comment\n\n").slice(0, 12)} -> ${requirementsSha256("six==1.17.0\n").slice(0, 12)})\n`,
    );
  });

  it("says when requirements.txt is empty", async () => {
    const w = world({ files: { "handler.py": "", "requirements.txt": "\n" } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Requirements: none (requirements.txt is empty)\n");
  });

  it("uses PYTHON_HANDLER from the platform env for every step", async () => {
    const w = world({
      files: { "pkg/sub/mod.py": "" },
      env: { PYTHON_HANDLER: "pkg.sub.mod.on_event" },
      staticCheck: okCheck("pkg.sub.mod.on_event", "cloudevent", ["data", "attributes"]),
      importCheck: okCheck("pkg.sub.mod.on_event", "cloudevent", ["data", "attributes"]),
    });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Handler: pkg.sub.mod.on_event (from PYTHON_HANDLER)\n");
    expect(w.log.text()).toContain("  Signature: CloudEvent function, parameters: data, attributes\n");
    expect(w.log.text()).toContain("  Imported pkg.sub.mod.on_event: CloudEvent function\n");
    expect(w.fs.text(`${LAYERS}/function/env.launch/PYTHON_HANDLER.override`)).toBe("pkg.sub.mod.on_event");
    expect(w.fs.text(`${LAYERS}/launch.toml`)).toContain('  "--handler",\n  "pkg.sub.mod.on_event"\n]');
  });

  it("describes a deferred signature and an async one", async () => {
    const w = world({ staticCheck: { ok: true, handler: "handler.handler", mode: null, parameters: [], async: false } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Signature: not a plain def; checked when imported below\n");
    const a = world({ staticCheck: { ok: true, handler: "handler.handler", mode: "http", parameters: [], async: true } });
    await build(a.ctx);
    expect(a.log.text()).toContain("  Signature: HTTP function (async), parameters: none\n");
  });

  it("passes the invoker wheel on PYTHONPATH for the static check, without writing bytecode", async () => {
    const w = world();
    await build(w.ctx);
    const check = w.runner.calls.find((c) => c.argv.includes("--static"));
    expect(check?.options.env).toEqual({ PYTHONDONTWRITEBYTECODE: "1", PYTHONPATH: `${WHEELHOUSE}/kn_fn_invoker-0.1.0-py3-none-any.whl` });
    expect(check?.options.cwd).toBe(APP);
  });

  it("makes the venv without pip and runs the buildpack's pip from PYTHONPATH, for the install only", async () => {
    const w = world();
    await build(w.ctx);
    const venv = w.runner.calls.find((c) => c.argv.includes("venv"));
    expect(venv?.argv).toEqual(["/usr/bin/python3", "-m", "venv", "--without-pip", VENV]);
    const pip = w.runner.calls.find((c) => c.argv.includes("pip"));
    expect(pip?.options.env?.PYTHONPATH).toBe(PIP);
    const others = w.runner.calls.filter((c) => c !== pip && c.options.env?.PYTHONPATH === PIP);
    expect(others).toEqual([]);
  });

  it("reinstalls when the buildpack's pip changes", async () => {
    const w = world();
    await build(w.ctx);
    w.fs.remove(`${PIP}/pip-26.3.dist-info`);
    w.fs.writeFile(`${PIP}/pip-26.4.dist-info/METADATA`, "Name: pip\n");
    const again = world();
    again.ctx.fs = w.fs;
    await build(again.ctx);
    expect(again.log.text()).toContain("  Installing dependencies afresh because:\n  - pip changed (26.3 -> 26.4)\n");
  });

  it("imports from source for the check: no pyc read from, or written to, the app dir", async () => {
    const w = world();
    await build(w.ctx);
    const check = w.runner.calls.find((c) => c.argv.includes("check") && !c.argv.includes("--static"));
    expect(check?.options.env).toEqual({ PYTHONDONTWRITEBYTECODE: "1", PYTHONPYCACHEPREFIX: `${LAYERS}/.import-check-pycache` });
  });

  it("warns, and goes on, when some app file does not compile", async () => {
    const w = world({ compileApp: { code: 1, output: "*** Error compiling './scratch.py'...\n" } });
    await build(w.ctx);
    expect(w.log.text()).toContain(
      "  Warning: some files in the app directory did not compile (they are served as source):\n      *** Error compiling './scratch.py'...\n",
    );
  });
});

describe("build failures", () => {
  it.each([
    ["function-not-found", "[Error: handler function not found] handler.py has no function 'handler'. Functions in handler.py: main."],
    ["unknown-parameters", "[Error: unknown parameter] ..."],
    ["mixed-parameters", "[Error: mixed parameters] ..."],
    ["variadic-parameters", "[Error: variadic parameters] ..."],
    ["syntax-error", "[Error: syntax error] ..."],
    ["not-callable", "[Error: not callable] ..."],
  ])("stops at the static check with the invoker's %s message, before installing", async (kind, message) => {
    const { error, w } = await failure({ staticCheck: { ok: false, kind, message } });
    expect(error.kind).toBe(kind);
    expect(error.message).toBe(message);
    expect(w.runner.commands().some((c) => c.includes("venv"))).toBe(false);
    expect(w.log.text()).not.toContain("[Installing dependencies]");
  });

  it("turns an unknown invoker kind into check-failed", async () => {
    const { error } = await failure({ staticCheck: { ok: false, kind: "brand-new", message: "[Error: new] x" } });
    expect(error.kind).toBe("check-failed");
    expect(error.message).toBe("[Error: new] x");
  });

  it("explains a check that printed no JSON", async () => {
    const { error } = await failure({
      extraHandlers: [(argv) => (argv.includes("--static") ? { code: 1, output: "Traceback...\nModuleNotFoundError: kn_fn_invoker" } : undefined)],
    });
    expect(error.kind).toBe("check-failed");
    expect(error.message).toBe(
      `[Error: function check failed] /usr/bin/python3 -m kn_fn_invoker check --static --json --dir ${APP} --handler handler.handler printed no result. Its output:\nTraceback...\nModuleNotFoundError: kn_fn_invoker`,
    );
  });

  it.each([
    [{ PYTHON_HANDLER: ".x" }, "handler-format"],
    [{ PYTHON_HANDLER: "x." }, "handler-format"],
    [{ PYTHON_HANDLER: "x" }, "handler-format"],
    [{ PYTHON_HANDLER: "../a.b" }, "handler-format"],
    [{ PYTHON_HANDLER: "main.fn" }, "module-not-found"],
    [{ PYTHON_HANDLER: "a.b", BP_FUNCTION: "c.d" }, "handler-conflict"],
  ])("fails first on the setting %j (%s), running nothing", async (env, kind) => {
    const { error, w } = await failure({ env });
    expect(error.kind).toBe(kind);
    expect(w.runner.calls).toEqual([]);
  });

  it("fails on a missing handler.py with the default handler", async () => {
    const { error } = await failure({ files: { "main.py": "" } });
    expect(error.kind).toBe("module-not-found");
  });

  it("explains a missing python3", async () => {
    const { error } = await failure({ python: "missing" });
    expect(error.kind).toBe("python-not-found");
    expect(error.message).toBe(
      "[Error: no Python 3] the build image has no working python3 on PATH (python3: not found). " +
        "This buildpack uses the stack's Python: use a builder whose build image provides python3 with the venv module (Debian: python3, python3-venv).",
    );
  });

  it("explains an old python3", async () => {
    const { error } = await failure({ python: { version: "3.9.2", executable: "/usr/bin/python3" } });
    expect(error.kind).toBe("python-too-old");
    expect(error.message).toBe(
      "[Error: Python too old] the build image's python3 is 3.9.2; the runtime invoker needs Python 3.11 or newer. Use a builder with a newer stack.",
    );
  });

  it("accepts a newer python3", async () => {
    const w = world({ python: { version: "3.13.0", executable: "/usr/bin/python3" } });
    await build(w.ctx);
    expect(w.log.text()).toBe(FRESH_LOG.replace("Python: 3.11.2", "Python: 3.13.0"));
  });

  it("explains a requirements.txt that is a directory or not UTF-8", async () => {
    const w = world();
    w.fs.mkdirp(`${APP}/requirements.txt`);
    await expect(build(w.ctx)).rejects.toThrow(
      new BuildpackError("requirements-unreadable", "[Error: requirements file unreadable] requirements.txt exists but is not a regular file. Make it a text file of pip requirements, or remove it."),
    );
    const v = world();
    v.fs.writeFile(`${APP}/requirements.txt`, Buffer.from([0xff, 0xfe, 0x00]));
    await expect(build(v.ctx)).rejects.toThrow("[Error: requirements file unreadable] requirements.txt is not UTF-8 text. Save it as UTF-8 (pip requirements format).");
  });

  it("explains a broken wheelhouse", async () => {
    const w = world();
    w.fs.remove(`${WHEELHOUSE}/kn_fn_invoker-0.1.0-py3-none-any.whl`);
    await expect(build(w.ctx)).rejects.toThrow(
      `[Error: buildpack incomplete] the runtime invoker's wheels are missing from ${WHEELHOUSE} (0 kn_fn_invoker wheels). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
    );
    const c = world();
    c.fs.remove(`${WHEELHOUSE}/constraints.txt`);
    await expect(build(c.ctx)).rejects.toThrow("(no constraints.txt)");
    const d = world();
    d.fs.remove(WHEELHOUSE);
    await expect(build(d.ctx)).rejects.toThrow("(no such directory)");
    const e = world();
    e.fs.remove(PIP);
    await expect(build(e.ctx)).rejects.toThrow(
      `[Error: buildpack incomplete] the pip the buildpack runs is missing from ${PIP} (no such directory). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
    );
    const f = world();
    f.fs.writeFile(`${PIP}/pip-26.4.dist-info/METADATA`, "Name: pip\n");
    await expect(build(f.ctx)).rejects.toThrow(`missing from ${PIP} (2 pip dist-info directories)`);
  });

  it("explains a failed venv and leaves no layer", async () => {
    const { error, w } = await failure({ venv: { code: 1, output: "The virtual environment was not created successfully because ensurepip is not available." } });
    expect(error.kind).toBe("venv-failed");
    expect(error.message).toBe(
      "[Error: virtualenv not created] python3 -m venv failed. On Debian the build image needs the python3-venv package. Its output:\n" +
        "The virtual environment was not created successfully because ensurepip is not available.",
    );
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
  });

  it("explains a failed pip install and leaves no poisoned cache", async () => {
    const w0 = world();
    await build(w0.ctx);
    w0.fs.writeFile(`${APP}/requirements.txt`, "no-such-package-kn-fn==1.0\n");
    const pipOutput = "ERROR: Could not find a version that satisfies the requirement no-such-package-kn-fn==1.0";
    const again = world({ pip: { code: 1, output: pipOutput } });
    again.ctx.fs = w0.fs;
    let error: unknown;
    try {
      await build(again.ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildpackError);
    expect((error as BuildpackError).kind).toBe("pip-failed");
    expect((error as BuildpackError).message).toBe(
      "[Error: dependencies not installed] pip could not install requirements.txt together with the runtime invoker. " +
        "Check the names and versions in requirements.txt (a pin that conflicts with the invoker's flask, werkzeug, gunicorn or cloudevents also fails here). pip said:\n" +
        pipOutput,
    );
    expect(again.log.text()).toContain(`      ${pipOutput}\n`);
    expect(w0.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
    expect(w0.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
  });

  it("explains a failed compileall of the venv", async () => {
    const { error, w } = await failure({ compileVenv: { code: 1, output: "boom" } });
    expect(error.message).toBe("[Error: bytecode compilation failed] python -m compileall failed in the dependencies virtualenv:\nboom");
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
  });

  it("fails on an import error with the invoker's message", async () => {
    const message = "[Error: import failed] importing handler failed: ModuleNotFoundError: No module named 'nope' (handler.py, line 1)";
    const { error, w } = await failure({ importCheck: { ok: false, kind: "import-error", message } });
    expect(error.kind).toBe("import-error");
    expect(error.message).toBe(message);
    expect(w.fs.kind(`${LAYERS}/launch.toml`)).toBeUndefined();
    // The dependencies themselves were fine: they stay cached for the next try.
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBe("file");
  });

  it("explains a failed SBOM listing", async () => {
    const { error } = await failure({ distributions: "fail" });
    expect(error.kind).toBe("sbom-failed");
    expect(error.message).toBe("[Error: SBOM not written] listing the installed distributions failed:\nTraceback: boom");
  });
});

describe("native libraries", () => {
  const missing = [
    { distribution: "kn-fn-needs-mpfr", file: "lib/python3.11/site-packages/kn_fn_needs_mpfr/_native.cpython-311-x86_64-linux-gnu.so", library: "libmpfr.so.6" },
    { distribution: null, file: "bin/tool", library: "libpq.so.5" },
  ];

  it("a library the run image lacks fails the build before the import check, naming package, file and library", async () => {
    const { error, w } = await failure({ linkage: { code: 0, output: "", stdout: `${JSON.stringify({ checked: 2, missing })}\n` } });
    expect(error.kind).toBe("native-library-missing");
    expect(error.message).toBe(
      "[Error: shared library missing in the run image] native code installed in the dependencies links libmpfr.so.6, libpq.so.5, which the run image does not have and no installed package ships; it would fail to import when the function starts:\n" +
        "  - kn-fn-needs-mpfr: lib/python3.11/site-packages/kn_fn_needs_mpfr/_native.cpython-311-x86_64-linux-gnu.so needs libmpfr.so.6\n" +
        "  - (no installed package): bin/tool needs libpq.so.5\n" +
        "Use a build of the package that bundles its libraries (a manylinux wheel from PyPI, or its -binary variant, e.g. psycopg2-binary for psycopg2), or declare the Debian package that ships them in project.toml [com.kn-fn.system-packages] install = [...].",
    );
    expect(w.runner.calls.some((c) => c.argv.includes("check") && !c.argv.includes("--static"))).toBe(false);
    // Nothing a later build could restore.
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
  });

  it("a checker that prints no result is a clear error with its output", async () => {
    const { error } = await failure({ linkage: { code: 1, output: "Traceback: ELFError" } });
    expect(error.kind).toBe("check-failed");
    expect(error.message).toBe("[Error: native library check failed] the linkage check printed no result. Its output:\nTraceback: ELFError");
  });

  it("a build image without the run image's library list is said in the log, not guessed", async () => {
    const w = world({ runLibraries: "none" });
    await build(w.ctx);
    expect(w.log.text()).toContain(
      `[Checking native libraries against the run image]\n  Native libraries: not checked; this builder's build image has no list of the run image's libraries (${RUN_LIBRARIES})\n`,
    );
    expect(w.runner.calls.some((c) => c.argv.includes(LINKAGE))).toBe(false);
  });

  it("the checker runs with the buildpack's pyelftools on PYTHONPATH only", async () => {
    const w = world();
    await build(w.ctx);
    const call = w.runner.calls.find((c) => c.argv.includes(LINKAGE));
    expect(call?.options?.env).toEqual({ PYTHONPATH: "/cnb/buildpacks/kn-fn_python-function/0.1.0/elftools", PYTHONDONTWRITEBYTECODE: "1" });
  });
});
