import * as TOML from "@iarna/toml";
import { build, WORK_DIR } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import { renderLayerToml } from "../../src/cnb/layer";
import { sha256 } from "../../src/layers/dependencies";
import { APP, LAYERS, LINKAGE, okCheck, RUN_LIBRARIES, UV, VENV, VENV_PYTHON, WHEELHOUSE, failure, world, type WorldOptions } from "./world";


const FRESH_LOG = `[Analysing the function]
  Handler: handler.handler (default)
  Python: 3.11.2 (/usr/bin/python3)
  $ /usr/bin/python3 -m kn_fn_invoker check --static --json --dir ${APP} --handler handler.handler
  Signature: HTTP function, parameters: req
  Dependencies: none (no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines)

[Installing dependencies]
  Installing dependencies afresh because:
  - no cached dependencies layer
  $ ${UV} venv --python /usr/bin/python3 --no-project --no-config ${VENV}
  uv 0.13.10 runs from the buildpack; the image gets no installer (no uv, pip or setuptools)
  $ ${UV} pip install --python ${VENV_PYTHON} --link-mode copy --offline --no-index --find-links ${WHEELHOUSE} --requirement ${WORK_DIR}/runtime-requirements.txt
      Installed 2 packages
       + flask==3.1.3
       + kn-fn-invoker==0.1.0
  $ ${VENV_PYTHON} -m compileall -q -f -j 0 --invalidation-mode unchecked-hash ${VENV}/lib

[Checking native libraries against the run image]
  $ ${VENV_PYTHON} ${LINKAGE} --env ${VENV} --run-libraries ${RUN_LIBRARIES}
  Native libraries: 3 ELF files link only libraries the run image has or the packages ship

[Checking that the function imports]
  $ ${VENV_PYTHON} --check-hash-based-pycs always -m kn_fn_invoker check --json --dir ${APP} --handler handler.handler
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
        metadata: {
          arch: "amd64",
          format: "3",
          inputs_sha256: sha256(""),
          invoker_version: "0.1.0",
          python_version: "3.11.2",
          // The world's wheelhouse: its wheel names, sorted, then runtime.json.
          runtime_sha256: sha256(`flask-3.1.3-py3-none-any.whl\nkn_fn_invoker-0.1.0-py3-none-any.whl\n${w.fs.text(`${WHEELHOUSE}/runtime.json`)}`),
          source: "none",
          uv_version: "0.13.10",
        },
      }),
    );
    // The invoker as a direct reference to the buildpack's own wheel, checked by hash, outside
    // every layer: uv asks no index for it.
    expect(w.fs.text(`${WORK_DIR}/runtime-requirements.txt`)).toBe(
      `kn-fn-invoker @ file://${WHEELHOUSE}/kn_fn_invoker-0.1.0-py3-none-any.whl --hash=sha256:${"ab".repeat(32)}\n`,
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
    expect(commands.some((c) => c.includes("pip install") || c.includes(" venv "))).toBe(false);
    expect(again.log.text()).toContain("[Installing dependencies]\n  Reusing cached dependencies (no dependencies, same Python, runtime and uv)\n\n[Checking");
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
    expect(w.log.text()).toContain("  Dependencies: requirements.txt (1 line)\n");
    expect(w.runner.commands()).toContain(
      `${UV} pip install --python ${VENV_PYTHON} --link-mode copy --find-links ${WHEELHOUSE} --requirement ${WORK_DIR}/runtime-requirements.txt --requirement ${APP}/requirements.txt`,
    );
    w.fs.writeFile(`${APP}/requirements.txt`, "six==1.17.0\n");
    const again = world();
    again.ctx.fs = w.fs;
    await build(again.ctx);
    expect(again.log.text()).toContain(
      // The key text is the file's content (and that of the files it includes): sha256sum's value.
      `  Installing dependencies afresh because:\n  - requirements.txt changed (sha256 ${sha256("six==1.16.0\n# a comment\n\n").slice(0, 12)} -> ${sha256("six==1.17.0\n").slice(0, 12)})\n`,
    );
  });

  it("says when requirements.txt is empty, and installs offline", async () => {
    const w = world({ files: { "handler.py": "", "requirements.txt": "\n" } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Dependencies: none (no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines)\n");
    const install = w.runner.calls.find((c) => c.argv[0] === UV && c.argv.includes("install"));
    expect(install?.argv).toContain("--offline");
    expect(install?.argv).not.toContain(`${APP}/requirements.txt`);
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

  it("names the lifecycle hooks the import check found, and none when there are none", async () => {
    const w = world({ importCheck: { ...okCheck(), hooks: ["start", "ready"] } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Imported handler.handler: HTTP function\n  Lifecycle hooks: start, ready (see the invoker README)\n");
    const none = world();
    await build(none.ctx);
    expect(none.log.text()).not.toContain("Lifecycle hooks");
  });

  it("stops on a lifecycle hook the invoker cannot call, with the invoker's text", async () => {
    const message = "[Error: lifecycle hook with arguments] handler.py: ready() requires x, but ...";
    const { error } = await failure({ importCheck: { ok: false, kind: "hook-signature", message } });
    expect(error.kind).toBe("hook-signature");
    expect(error.message).toBe(message);
  });

  it("describes a deferred signature and an async one", async () => {
    const w = world({ staticCheck: { ok: true, handler: "handler.handler", mode: null, parameters: [], async: false } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Signature: not a plain def; checked when imported below\n");
    const a = world({ staticCheck: { ok: true, handler: "handler.handler", mode: "http", parameters: [], async: true } });
    await build(a.ctx);
    expect(a.log.text()).toContain("  Signature: HTTP function (async, served on each worker's event loop), parameters: none\n");
  });

  it("names an application object the static check and the import check tell from a function", async () => {
    const app = { ok: true, handler: "main.app", mode: "http", parameters: [], async: true, app: "asgi", hooks: [] };
    const w = world({ staticCheck: app, importCheck: app });
    await build(w.ctx);
    const asgi = "ASGI application, served as it is on each worker's event loop (health paths, body limit, TIMEOUT, error log and lifespan around it)";
    expect(w.log.text()).toContain(`  Signature: ${asgi}\n`);
    expect(w.log.text()).toContain(`  Imported main.app: ${asgi}\n`);
    const wsgi = { ...app, async: false, app: "wsgi" };
    const f = world({ staticCheck: { ...wsgi, mode: null, app: null }, importCheck: wsgi });
    await build(f.ctx);
    expect(f.log.text()).toContain("  Signature: not a plain def; checked when imported below\n");
    expect(f.log.text()).toContain("  Imported main.app: WSGI application, served as it is (health paths, body limit, TIMEOUT and error log around it)\n");
  });

  it("passes the invoker wheel on PYTHONPATH for the static check, without writing bytecode", async () => {
    const w = world();
    await build(w.ctx);
    const check = w.runner.calls.find((c) => c.argv.includes("--static"));
    expect(check?.options.env).toEqual({ PYTHONDONTWRITEBYTECODE: "1", PYTHONPATH: `${WHEELHOUSE}/kn_fn_invoker-0.1.0-py3-none-any.whl` });
    expect(check?.options.cwd).toBe(APP);
  });

  it("makes the venv with the buildpack's uv (no pip seeded), and runs uv only for the venv and the install", async () => {
    const w = world();
    await build(w.ctx);
    const uvEnv = { PYTHONDONTWRITEBYTECODE: "1", UV_CACHE_DIR: `${WORK_DIR}/uv-cache`, UV_PYTHON_DOWNLOADS: "never", UV_SYSTEM_CERTS: "1", UV_NO_PROGRESS: "1" };
    const venv = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "venv");
    expect(venv?.argv).toEqual([UV, "venv", "--python", "/usr/bin/python3", "--no-project", "--no-config", VENV]);
    expect(venv?.options).toEqual({ env: uvEnv, cwd: LAYERS });
    const install = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip");
    // From the app directory: uv reads the project's own index settings there.
    expect(install?.options).toEqual({ env: uvEnv, cwd: APP });
    expect(w.runner.calls.filter((c) => c.argv[0] === UV).map((c) => c.argv.slice(1, 3))).toEqual([["--version"], ["venv", "--python"], ["pip", "install"]]);
    // uv's cache is outside every layer; no uv variable reaches any other command.
    const others = w.runner.calls.filter((c) => c !== venv && c !== install && Object.keys(c.options.env ?? {}).some((k) => k.startsWith("UV_")));
    expect(others).toEqual([]);
  });

  it("the runtime requirements file is one direct reference line, the same with user requirements and an index set", async () => {
    const w = world({ files: { "handler.py": "", "requirements.txt": "kn-fn-invoker==9.9\nsix\n" }, processEnv: { UV_INDEX: "https://other.example/simple" } });
    await build(w.ctx);
    const lines = w.fs.text(`${WORK_DIR}/runtime-requirements.txt`).split("\n");
    expect(lines).toEqual([`kn-fn-invoker @ file://${WHEELHOUSE}/kn_fn_invoker-0.1.0-py3-none-any.whl --hash=sha256:${"ab".repeat(32)}`, ""]);
    // Not a name and version for an index to answer: no `==`, a file:// URL to the wheelhouse.
    expect(lines[0]).not.toContain("==");
    expect(lines[0]).toMatch(/^kn-fn-invoker @ file:\/\/\/\S+\.whl --hash=sha256:[0-9a-f]{64}$/);
  });

  it("PIP_FIND_LINKS and UV_FIND_LINKS reach uv as --find-links, after vendor/ and before the wheelhouse, not as env", async () => {
    for (const [processEnv, links, note] of [
      [{ PIP_FIND_LINKS: "/pip/a https://h.example/links/" }, ["/pip/a", "https://h.example/links/"], "PIP_FIND_LINKS -> uv --find-links"],
      [{ UV_FIND_LINKS: "/uv/a,/uv/b", PIP_FIND_LINKS: "/pip/a" }, ["/uv/a", "/uv/b"], "PIP_FIND_LINKS ignored: UV_FIND_LINKS is set"],
    ] as const) {
      const w = world({ files: { "handler.py": "", "requirements.txt": "six\n", "vendor/six-1.17.0-py2.py3-none-any.whl": "zip" }, processEnv });
      await build(w.ctx);
      const install = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip");
      const findLinks = install?.argv.flatMap((arg, i, argv) => (argv[i - 1] === "--find-links" ? [arg] : []));
      expect(findLinks).toEqual([`${APP}/vendor`, ...links, WHEELHOUSE]);
      expect(Object.keys(install?.options.env ?? {}).filter((k) => k.endsWith("FIND_LINKS"))).toEqual([]);
      expect(w.log.text()).toContain(`  Package index: ${note}\n`);
    }
  });

  it("reinstalls when the buildpack's uv changes", async () => {
    const w = world();
    await build(w.ctx);
    const again = world({ extraHandlers: [(argv) => (argv[0] === UV && argv[1] === "--version" ? { stdout: "uv 0.14.0 (x86_64-unknown-linux-gnu)\n" } : undefined)] });
    again.ctx.fs = w.fs;
    await build(again.ctx);
    expect(again.log.text()).toContain("  Installing dependencies afresh because:\n  - uv changed (0.13.10 -> 0.14.0)\n  $ ");
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain('uv_version = "0.14.0"');
  });

  it("the check reads only pycs that match their source, and writes none", async () => {
    const w = world();
    await build(w.ctx);
    const check = w.runner.calls.find((c) => c.argv.includes("check") && !c.argv.includes("--static"));
    expect(check?.argv.slice(0, 4)).toEqual([VENV_PYTHON, "--check-hash-based-pycs", "always", "-m"]);
    expect(check?.options.env).toEqual({ PYTHONDONTWRITEBYTECODE: "1" });
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
    c.fs.remove(`${WHEELHOUSE}/runtime.json`);
    await expect(build(c.ctx)).rejects.toThrow(
      `[Error: buildpack incomplete] the runtime invoker's wheels are missing from ${WHEELHOUSE} (no runtime.json). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
    );
    const d = world();
    d.fs.remove(WHEELHOUSE);
    await expect(build(d.ctx)).rejects.toThrow("(no such directory)");
    const e = world();
    e.fs.remove(UV);
    await expect(build(e.ctx)).rejects.toThrow(
      new BuildpackError(
        "wheelhouse-broken",
        `[Error: buildpack incomplete] the uv the buildpack runs is missing or broken (${UV}). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
      ),
    );
    const f = world({ extraHandlers: [(argv) => (argv[0] === UV && argv[1] === "--version" ? { code: 126, output: "cannot execute binary file: Exec format error" } : undefined)] });
    await expect(build(f.ctx)).rejects.toThrow(
      `[Error: buildpack incomplete] the uv the buildpack runs is missing or broken (${UV}: cannot execute binary file: Exec format error). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
    );
  });

  it("explains a failed venv and leaves no layer", async () => {
    const { error, w } = await failure({ venv: { code: 2, output: "error: Failed to inspect Python interpreter from provided path at `/usr/bin/python3`\n" } });
    expect(error.kind).toBe("venv-failed");
    expect(error.message).toBe(
      "[Error: virtualenv not created] uv venv failed. Its output:\n" + "error: Failed to inspect Python interpreter from provided path at `/usr/bin/python3`",
    );
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
  });

  it("explains a failed uv install and leaves no poisoned cache", async () => {
    const w0 = world();
    await build(w0.ctx);
    w0.fs.writeFile(`${APP}/requirements.txt`, "no-such-package-kn-fn==1.0\n");
    const uvOutput =
      "  × No solution found when resolving dependencies:\n  ╰─▶ Because no-such-package-kn-fn was not found in the package registry and you require no-such-package-kn-fn==1.0, we can conclude that your requirements are unsatisfiable.";
    const again = world({ install: { code: 1, output: `${uvOutput}\n` } });
    again.ctx.fs = w0.fs;
    let error: unknown;
    try {
      await build(again.ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildpackError);
    expect((error as BuildpackError).kind).toBe("install-failed");
    expect((error as BuildpackError).message).toBe(
      "[Error: dependencies not installed] uv could not install the dependencies from requirements.txt together with the runtime invoker. " +
        "Check the names and versions there, and that the package index is reachable (a version that conflicts with the invoker's flask, werkzeug, granian or cloudevents also fails here). uv said:\n" +
        uvOutput.trim(),
    );
    expect(again.log.text()).toContain(`        × No solution found when resolving dependencies:\n        ╰─▶ Because no-such-package-kn-fn`);
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

  it("a library the run image lacks fails the build, naming package, file and library; the log ends with it", async () => {
    const { error, w } = await failure({ linkage: { code: 0, output: "", stdout: `${JSON.stringify({ checked: 2, missing })}\n` } });
    expect(error.kind).toBe("native-library-missing");
    expect(error.message).toBe(
      "[Error: shared library missing in the run image] native code installed in the dependencies links libmpfr.so.6, libpq.so.5, which the run image does not have and no installed package ships; it would fail to import when the function starts:\n" +
        "  - kn-fn-needs-mpfr: lib/python3.11/site-packages/kn_fn_needs_mpfr/_native.cpython-311-x86_64-linux-gnu.so needs libmpfr.so.6\n" +
        "  - (no installed package): bin/tool needs libpq.so.5\n" +
        "Use a build of the package that bundles its libraries (a manylinux wheel from PyPI, or its -binary variant, e.g. psycopg2-binary for psycopg2), or declare the Debian package that ships them in project.toml [com.kn-fn.system-packages] install = [...].",
    );
    // The import check ran beside it (side by side), but the build reads as if it had stopped here.
    expect(w.log.text()).toMatch(/\[Checking native libraries against the run image\]\n  \$ [^\n]+\n$/);
    // Nothing a later build could restore.
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
  });

  it("with the import check failing too, the native failure is the one raised, and the layer is still discarded", async () => {
    const linkage = { code: 0, output: "", stdout: `${JSON.stringify({ checked: 2, missing })}\n` };
    const { error, w } = await failure({ linkage, importCheck: { ok: false, kind: "import-error", message: "[Error: import failed] boom" } });
    expect(error.kind).toBe("native-library-missing");
    expect(w.log.text()).not.toContain("boom");
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
  });

  it("an import check failure alone keeps the installed dependencies for the next build", async () => {
    const { error, w } = await failure({ importCheck: { ok: false, kind: "import-error", message: "[Error: import failed] boom" } });
    expect(error.message).toBe("[Error: import failed] boom");
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBe("file");
    expect(w.log.text()).toMatch(/\[Checking that the function imports\]\n  \$ [^\n]+\n$/);
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
