// From the dependency source to what uv installs, through the fake build world: lock exports,
// their failures, the runtime check before any install, vendor/, and the cache key's inputs.
import { build, WORK_DIR } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import { poetryExportArgs, requirementsKeyText, uvExportArgs } from "../../src/install-input";
import { sha256 } from "../../src/layers/dependencies";
import { MemoryFs } from "./fakes";
import { APP, BUILDPACK, LAYERS, POETRY, UV, VENV_PYTHON, WHEELHOUSE, failure, world, type WorldOptions } from "./world";

const HANDLER = "def handler(req):\n    return 'hi'\n";
const UV_PROJECT = { "handler.py": HANDLER, "pyproject.toml": '[project]\nname = "fn"\nversion = "0.1.0"\ndependencies = ["six", "flask>=3.1"]\n', "uv.lock": "version = 1\n" };
const POETRY_PROJECT = {
  "handler.py": HANDLER,
  "pyproject.toml": '[tool.poetry]\nname = "fn"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nsix = "^1.17"\n',
  "poetry.lock": "[[package]]\nname = \"six\"\nversion = \"1.17.0\"\n",
};
const EXPORT = "six==1.17.0 \\\n    --hash=sha256:00\nflask==3.1.3 \\\n    --hash=sha256:11\n";
const UV_EXPORT_FILE = `${WORK_DIR}/uv-export.txt`;
const POETRY_EXPORT_FILE = `${WORK_DIR}/poetry-export.txt`;
const UV_EXPORT = `${UV} export --locked --python /usr/bin/python3 --no-default-groups --no-emit-project --format requirements-txt --no-header --output-file ${UV_EXPORT_FILE} --quiet`;
const POETRY_EXPORT = `/usr/bin/python3 -m poetry export --no-interaction --no-ansi --only main --format requirements.txt --output ${POETRY_EXPORT_FILE}`;


const installs = (w: ReturnType<typeof world>) => w.runner.calls.filter((c) => c.argv[0] === UV && c.argv[1] === "pip" && c.argv[2] === "install");
const nothingInstalled = (w: ReturnType<typeof world>) =>
  w.runner.commands().filter((c) => c.startsWith(`${UV} venv`) || c.startsWith(`${UV} pip install`) || c.includes("compileall"));

/**
 * A second build on a copy of the first one's filesystem (its cache), with other options. A copy
 * into the new world's own filesystem: its fake tools (the lock export) write there.
 */
async function rebuild(first: ReturnType<typeof world>, options: WorldOptions = {}): Promise<ReturnType<typeof world>> {
  const again = world(options);
  again.fs.files.clear();
  again.fs.dirs.clear();
  for (const [file, content] of first.fs.files) again.fs.files.set(file, content);
  for (const dir of first.fs.dirs) again.fs.dirs.add(dir);
  await build(again.ctx);
  return again;
}

describe("export argv", () => {
  it("uv export: the default dependencies as locked, no groups, not the project, quiet", () => {
    expect(uvExportArgs({ executable: "/bp/uv/uv", version: "0.13.10" }, { version: "3.11.2", executable: "/usr/bin/python3" }, "/tmp/out.txt")).toEqual([
      "/bp/uv/uv", "export", "--locked", "--python", "/usr/bin/python3",
      "--no-default-groups", "--no-emit-project", "--format", "requirements-txt", "--no-header", "--output-file", "/tmp/out.txt", "--quiet",
    ]);
  });
  it("poetry export: the main group only", () => {
    expect(poetryExportArgs({ version: "3.11.2", executable: "/usr/bin/python3" }, "/tmp/out.txt")).toEqual([
      "/usr/bin/python3", "-m", "poetry", "export", "--no-interaction", "--no-ansi", "--only", "main", "--format", "requirements.txt", "--output", "/tmp/out.txt",
    ]);
  });
});

describe("uv.lock", () => {
  it("exports the lock with uv, from the app dir with uv's environment, and installs the exported file", async () => {
    const w = world({ files: UV_PROJECT });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Dependencies: uv.lock (uv project: the locked [project] dependencies)\n");
    expect(w.log.text()).toContain(`[Installing dependencies]\n  $ ${UV_EXPORT}\n  Installing dependencies afresh because:\n`);
    const exporting = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "export");
    expect(exporting?.options).toEqual({ cwd: APP, env: { UV_CACHE_DIR: `${WORK_DIR}/uv-cache`, UV_PYTHON_DOWNLOADS: "never", UV_SYSTEM_CERTS: "1", UV_NO_PROGRESS: "1" } });
    // Export before the venv, one install with the export after the invoker's pin.
    const commands = w.runner.commands();
    expect(commands.indexOf(UV_EXPORT)).toBeLessThan(commands.findIndex((c) => c.startsWith(`${UV} venv`)));
    expect(installs(w).map((c) => c.argv)).toEqual([
      [UV, "pip", "install", "--python", VENV_PYTHON, "--link-mode", "copy", "--find-links", WHEELHOUSE,
        "--requirement", `${WORK_DIR}/runtime-requirements.txt`, "--requirement", UV_EXPORT_FILE],
    ]);
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain(`inputs_sha256 = "${sha256(EXPORT)}"\n`);
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain('source = "uv.lock"\n');
  });

  it("does not need the buildpack's Poetry", async () => {
    const w = world({ files: UV_PROJECT });
    w.fs.remove(POETRY);
    await build(w.ctx);
    expect(w.log.text()).toContain("  Done\n");
  });

  it("a stale lock is the lock-outdated error telling to run uv lock, and nothing is installed", async () => {
    const said = "Using CPython 3.11.2 interpreter at: /usr/bin/python3\nerror: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided. To update the lockfile, run `uv lock`.";
    const { error, w } = await failure({ files: UV_PROJECT, lockExport: { code: 2, output: `${said}\n` } });
    expect(error.kind).toBe("lock-outdated");
    expect(error.message).toBe(
      "[Error: uv.lock out of date] uv.lock does not match pyproject.toml, so the locked versions are not what the project asks for. " +
        `Run \`uv lock\` and add the new uv.lock. uv said:\n${said}`,
    );
    expect(nothingInstalled(w)).toEqual([]);
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
  });

  it("another export failure is lock-export-failed with the output", async () => {
    const { error } = await failure({ files: UV_PROJECT, lockExport: { code: 2, output: "error: Failed to parse `uv.lock`\n  Caused by: TOML parse error\n" } });
    expect(error).toEqual(
      new BuildpackError("lock-export-failed", "[Error: uv.lock unreadable] exporting the locked dependencies failed. Its output:\nerror: Failed to parse `uv.lock`\n  Caused by: TOML parse error"),
    );
    expect(error.kind).toBe("lock-export-failed");
  });

  it("a lock that pins flask==2.3.3 fails with the runtime conflict before any uv venv or uv pip install", async () => {
    const { error, w } = await failure({ files: UV_PROJECT, lockExport: { code: 0, output: "", content: "flask==2.3.3 \\\n    --hash=sha256:11\nsix==1.17.0\n" } });
    expect(error.kind).toBe("runtime-conflict");
    expect(error.message).toBe(
      "[Error: dependencies conflict with the runtime] uv.lock pins flask 2.3.3, but the runtime invoker 0.1.0 runs in the same environment and needs flask>=3.1,<4. " +
        "Nothing was installed. Change that version in uv.lock to one in the range (or drop the pin and lock again).",
    );
    expect(w.runner.commands()).toContain(UV_EXPORT);
    expect(nothingInstalled(w)).toEqual([]);
    expect(w.fs.kind(`${LAYERS}/dependencies`)).toBeUndefined();
    expect(w.fs.kind(`${LAYERS}/dependencies.toml`)).toBeUndefined();
  });
});

describe("poetry.lock", () => {
  it("exports the main group with the buildpack's Poetry, its state outside the app and the layers", async () => {
    const w = world({ files: POETRY_PROJECT });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Dependencies: poetry.lock (Poetry project: the locked main group)\n");
    expect(w.log.text()).toContain(`  $ ${POETRY_EXPORT}\n`);
    const exporting = w.runner.calls.find((c) => c.argv.includes("poetry"));
    expect(exporting?.options.cwd).toBe(APP);
    const env = exporting?.options.env ?? {};
    expect(env).toEqual({
      PYTHONPATH: POETRY,
      PYTHONDONTWRITEBYTECODE: "1",
      POETRY_CONFIG_DIR: `${WORK_DIR}/poetry/config`,
      POETRY_CACHE_DIR: `${WORK_DIR}/poetry/cache`,
      POETRY_DATA_DIR: `${WORK_DIR}/poetry/data`,
      PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
      POETRY_VIRTUALENVS_CREATE: "false",
    });
    for (const name of ["POETRY_CONFIG_DIR", "POETRY_CACHE_DIR", "POETRY_DATA_DIR"]) {
      expect([name, env[name]?.startsWith(`${APP}/`), env[name]?.startsWith(`${LAYERS}/`)]).toEqual([name, false, false]);
    }
    expect(POETRY).toBe(`${BUILDPACK}/poetry`);
    expect(installs(w)[0]?.argv.slice(-2)).toEqual(["--requirement", POETRY_EXPORT_FILE]);
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain('source = "poetry.lock"\n');
  });

  it("a stale poetry.lock is the lock-outdated error telling to run poetry lock", async () => {
    const said = "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock` to fix the lock file.";
    const { error, w } = await failure({ files: POETRY_PROJECT, lockExport: { code: 1, output: `\n${said}\n` } });
    expect(error.kind).toBe("lock-outdated");
    expect(error.message).toBe(
      "[Error: poetry.lock out of date] poetry.lock does not match pyproject.toml, so the locked versions are not what the project asks for. " +
        `Run \`poetry lock\` and add the new poetry.lock. Poetry said:\n${said}`,
    );
    expect(nothingInstalled(w)).toEqual([]);
  });

  it("another Poetry failure is lock-export-failed", async () => {
    const { error } = await failure({ files: POETRY_PROJECT, lockExport: { code: 1, output: "The command \"export\" does not exist.\n" } });
    expect(error).toEqual(new BuildpackError("lock-export-failed", '[Error: poetry.lock unreadable] exporting the locked dependencies failed. Its output:\nThe command "export" does not exist.'));
  });

  it("a buildpack without its Poetry is a broken buildpack, said before any export", async () => {
    const w = world({ files: POETRY_PROJECT });
    w.fs.remove(POETRY);
    await expect(build(w.ctx)).rejects.toThrow(
      new BuildpackError(
        "wheelhouse-broken",
        `[Error: buildpack incomplete] the Poetry the buildpack runs is missing or broken (${POETRY}). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.`,
      ),
    );
    expect(w.runner.calls.some((c) => c.argv.includes("poetry"))).toBe(false);
  });

  it("a Poetry lock pinning flask==2.3.3 fails naming poetry.lock, before installing", async () => {
    const { error, w } = await failure({ files: POETRY_PROJECT, lockExport: { code: 0, output: "", content: 'flask==2.3.3 ; python_version >= "3.11"\n' } });
    expect(error.kind).toBe("runtime-conflict");
    expect(error.message).toContain("] poetry.lock pins flask 2.3.3, but the runtime invoker 0.1.0 ");
    expect(nothingInstalled(w)).toEqual([]);
  });
});

describe("the runtime check for unlocked sources", () => {
  it("requirements.txt pinning flask==2.3.3 (in a -c constraints file) fails before installing", async () => {
    const { error, w } = await failure({ files: { "handler.py": HANDLER, "requirements.txt": "-c constraints.txt\nflask\n", "constraints.txt": "Flask==2.3.3\n" } });
    expect(error.kind).toBe("runtime-conflict");
    expect(error.message).toContain("] requirements.txt pins flask 2.3.3,");
    expect(nothingInstalled(w)).toEqual([]);
  });

  it("pyproject.toml dependencies pinning flask==2.3.3 fail before installing; a range is left to uv", async () => {
    const pyproject = (dep: string) => `[project]\nname = "fn"\nversion = "0.1.0"\ndependencies = ["${dep}"]\n`;
    const { error, w } = await failure({ files: { "handler.py": HANDLER, "pyproject.toml": pyproject("flask==2.3.3") } });
    expect(error.message).toContain("] pyproject.toml pins flask 2.3.3,");
    expect(nothingInstalled(w)).toEqual([]);
    const ok = world({ files: { "handler.py": HANDLER, "pyproject.toml": pyproject("flask<3") } });
    await build(ok.ctx);
    expect(ok.log.text()).toContain("  Dependencies: pyproject.toml ([project] dependencies, 1 entry, resolved now)\n");
    expect(installs(ok)[0]?.argv.slice(-2)).toEqual(["--requirement", `${APP}/pyproject.toml`]);
  });
});

describe("vendor/", () => {
  it("wheels in vendor/: installed with --offline --no-index --find-links <app>/vendor", async () => {
    const w = world({ files: { "handler.py": HANDLER, "requirements.txt": "six==1.17.0\n", "vendor/six-1.17.0-py2.py3-none-any.whl": "zip", "vendor/README": "" } });
    await build(w.ctx);
    expect(w.log.text()).toContain("  Vendored wheels: 1 in vendor/; installing with no package index\n");
    expect(installs(w).map((c) => c.argv)).toEqual([
      [UV, "pip", "install", "--python", VENV_PYTHON, "--link-mode", "copy", "--offline", "--no-index", "--find-links", `${APP}/vendor`,
        "--find-links", WHEELHOUSE, "--requirement", `${WORK_DIR}/runtime-requirements.txt`, "--requirement", `${APP}/requirements.txt`],
    ]);
    const key = `six==1.17.0\n\nvendor/: six-1.17.0-py2.py3-none-any.whl`;
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain(`inputs_sha256 = "${sha256(key)}"\n`);
  });

  it("a new vendored wheel reinstalls", async () => {
    const w = world({ files: { "handler.py": HANDLER, "requirements.txt": "six==1.17.0\n", "vendor/six-1.17.0-py2.py3-none-any.whl": "zip" } });
    await build(w.ctx);
    w.fs.writeFile(`${APP}/vendor/idna-3.10-py3-none-any.whl`, "zip");
    const again = await rebuild(w);
    expect(again.log.text()).toContain("  Installing dependencies afresh because:\n  - requirements.txt changed (sha256 ");
  });

  it("vendor/ without wheels changes nothing", async () => {
    const w = world({ files: { "handler.py": HANDLER, "requirements.txt": "six\n", "vendor/notes.txt": "" } });
    await build(w.ctx);
    expect(w.log.text()).not.toContain("Vendored wheels");
    expect(installs(w)[0]?.argv).not.toContain("--offline");
  });
});

describe("requirementsKeyText", () => {
  it("the file's content (so the logged sha256 is sha256sum's), then every -r/-c file it includes, in order (URLs not fetched)", () => {
    const fs = new MemoryFs({
      "/app/requirements.txt": "-r base.txt\n-c constraints/c.txt\n-r https://example.com/r.txt\nsix\n",
      "/app/base.txt": "requests\n",
      "/app/constraints/c.txt": "urllib3<3\n-c ../base.txt\n",
    });
    expect(requirementsKeyText(fs, "/app/requirements.txt")).toBe(
      // base.txt, seen already, is not added a second time.
      "-r base.txt\n-c constraints/c.txt\n-r https://example.com/r.txt\nsix\n\n-- base.txt\nrequests\n\n-- constraints/c.txt\nurllib3<3\n-c ../base.txt\n",
    );
  });

  it("a missing included file is said, an include cycle ends", () => {
    const fs = new MemoryFs({ "/app/requirements.txt": "-r missing.txt\n-r requirements.txt\nsix\n" });
    expect(requirementsKeyText(fs, "/app/requirements.txt")).toBe("-r missing.txt\n-r requirements.txt\nsix\n\n-- missing.txt: missing\n");
  });

  it("through the build: a change in an included file changes the key and reinstalls", async () => {
    const w = world({ files: { "handler.py": HANDLER, "requirements.txt": "-r base.txt\n", "base.txt": "six==1.16.0\n" } });
    await build(w.ctx);
    const before = sha256("-r base.txt\n\n-- base.txt\nsix==1.16.0\n");
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).toContain(`inputs_sha256 = "${before}"\n`);
    w.fs.writeFile(`${APP}/base.txt`, "six==1.17.0\n");
    const again = await rebuild(w);
    const after = sha256("-r base.txt\n\n-- base.txt\nsix==1.17.0\n");
    expect(again.log.text()).toContain(`  Installing dependencies afresh because:\n  - requirements.txt changed (sha256 ${before.slice(0, 12)} -> ${after.slice(0, 12)})\n  $ `);
  });
});

describe("the cache", () => {
  it("reuses a uv.lock build when the export is the same, even if uv.lock changed (a dev dependency)", async () => {
    const w = world({ files: UV_PROJECT });
    await build(w.ctx);
    w.fs.writeFile(`${APP}/uv.lock`, "version = 1\n# dev group changed\n");
    const again = await rebuild(w);
    expect(again.log.text()).toContain("[Installing dependencies]\n" + `  $ ${UV_EXPORT}\n` + "  Reusing cached dependencies (uv.lock unchanged, same Python, runtime and uv)\n\n[Checking");
    expect(nothingInstalled(again).filter((c) => !c.includes(APP))).toEqual([]);
  });

  it("reuse says so for each source", async () => {
    for (const [files, line] of [
      [{ "handler.py": HANDLER, "requirements.txt": "six\n" }, "Reusing cached dependencies (requirements.txt unchanged, same Python, runtime and uv)"],
      [POETRY_PROJECT, "Reusing cached dependencies (poetry.lock unchanged, same Python, runtime and uv)"],
      [{ "handler.py": HANDLER, "pyproject.toml": '[project]\ndependencies = ["six"]\n' }, "Reusing cached dependencies (pyproject.toml unchanged, same Python, runtime and uv)"],
    ] as const) {
      const w = world({ files });
      await build(w.ctx);
      const again = await rebuild(w);
      expect(again.log.text()).toContain(`  ${line}\n`);
    }
  });

  it("a changed source: the dependency source changed", async () => {
    const w = world({ files: { "handler.py": HANDLER, "requirements.txt": "six\n" } });
    await build(w.ctx);
    w.fs.remove(`${APP}/requirements.txt`);
    for (const [name, text] of Object.entries(UV_PROJECT)) w.fs.writeFile(`${APP}/${name}`, text);
    const again = await rebuild(w);
    expect(again.log.text()).toContain("  Installing dependencies afresh because:\n  - the dependency source changed (requirements.txt -> uv.lock)\n  $ ");
  });

  it("changed locked dependencies: the dependencies locked in uv.lock changed", async () => {
    const w = world({ files: UV_PROJECT });
    await build(w.ctx);
    const newer = "six==1.17.0 \\\n    --hash=sha256:00\nflask==3.1.4 \\\n    --hash=sha256:22\n";
    const again = await rebuild(w, { lockExport: { code: 0, output: "", content: newer } });
    expect(again.log.text()).toContain(
      `  Installing dependencies afresh because:\n  - the dependencies locked in uv.lock changed (sha256 ${sha256(EXPORT).slice(0, 12)} -> ${sha256(newer).slice(0, 12)})\n  $ `,
    );
  });

  it("a new uv: uv changed", async () => {
    const w = world({ files: UV_PROJECT });
    await build(w.ctx);
    const again = await rebuild(w, { extraHandlers: [(argv) => (argv[0] === UV && argv[1] === "--version" ? { stdout: "uv 0.14.1\n" } : undefined)] });
    expect(again.log.text()).toContain("  Installing dependencies afresh because:\n  - uv changed (0.13.10 -> 0.14.1)\n  $ ");
  });

  it("a pip-era layer (format 2) is rebuilt with every reason", async () => {
    const w = world();
    w.fs.writeFile(`${LAYERS}/dependencies.toml`, '[metadata]\narch = "amd64"\nformat = "2"\ninvoker_version = "0.1.0"\npip_version = "26.3"\npython_version = "3.11.2"\nrequirements_sha256 = "x"\n');
    w.fs.writeFile(VENV_PYTHON, "#!python");
    await build(w.ctx);
    expect(w.log.text()).toContain("  Installing dependencies afresh because:\n  - the layer format changed (2 -> 3)\n");
    expect(w.log.text()).toContain("  - uv changed (none -> 0.13.10)\n  $ ");
    expect(w.fs.text(`${LAYERS}/dependencies.toml`)).not.toContain("pip_version");
  });
});
