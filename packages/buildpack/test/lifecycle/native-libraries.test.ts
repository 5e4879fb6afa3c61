// The native library check with real ELF files: the checker the buildpack ships (with its
// pyelftools) on extensions this test compiles, and whole builds on the real lifecycle with a
// wheel whose extension links a library the run image lacks: refused, then served once the
// function declares the Debian package (real apt, as the build user, from Debian's archive).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUILDPACK_DIR_NAME, builder, detector, hostLibraries, installLifecycle, lifecycleDir, packageBuildpack, removeWorkspace, simulateRestore, workspace, writeRunLibraries, type Workspace,
} from "./harness";

jest.setTimeout(300_000);

const FAILED_BUILD = 51;
const MPFR = "/usr/lib/x86_64-linux-gnu/libmpfr.so.6"; // in the build image (gcc needs it), not in the run image
const MAKE_WHEEL = path.join(__dirname, "..", "support", "make_native_wheel.py");

let root: string;
let buildpacks: string;
const workspaces: Workspace[] = [];

beforeAll(() => {
  lifecycleDir();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-native-"));
  installLifecycle(root);
  buildpacks = packageBuildpack(root);
});

afterAll(() => {
  for (const w of workspaces) removeWorkspace(w);
  fs.rmSync(root, { recursive: true, force: true });
});

const packaged = (...parts: string[]) => path.join(buildpacks, BUILDPACK_DIR_NAME, "0.1.0", ...parts);

function cc(args: string[]): void {
  execFileSync("cc", ["-shared", "-fPIC", ...args], { stdio: "pipe" });
}

/** The shipped checker, on Debian's python3 with the shipped pyelftools, as the build runs it. */
function linkage(env: string, libraries: string[]): { checked: number; missing: Array<{ distribution: string | null; file: string; library: string }> } {
  const list = path.join(env, "..", "run-libraries.json");
  writeRunLibraries(list, libraries);
  const out = execFileSync("/usr/bin/python3", [packaged("python", "kn_fn_linkage.py"), "--env", env, "--run-libraries", list], {
    env: { PATH: "/usr/bin:/bin", PYTHONPATH: packaged("elftools") },
    encoding: "utf8",
  });
  return JSON.parse(out);
}

describe("the linkage checker on real ELF files", () => {
  it("resolves through RUNPATH ($ORIGIN), the run image and shipped libraries; names the package of what is missing", () => {
    const env = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-elf-")), "venv");
    const site = path.join(env, "lib", "python3.11", "site-packages");
    fs.mkdirSync(path.join(site, "pkg.libs"), { recursive: true });
    fs.mkdirSync(path.join(site, "pkg"), { recursive: true });
    fs.mkdirSync(path.join(site, "pkg-1.0.dist-info"), { recursive: true });
    const src = path.join(env, "..", "x.c");
    fs.writeFileSync(src, "int kn_fn_x(void) { return 1; }\n");
    // auditwheel's layout: a bundled library in pkg.libs, the extension's RUNPATH $ORIGIN/../pkg.libs
    cc(["-Wl,-soname,libbundled-1a2b.so.1", "-o", path.join(site, "pkg.libs", "libbundled-1a2b.so.1"), src]);
    cc(["-o", path.join(site, "pkg", "bundled.so"), src, "-Wl,--no-as-needed", path.join(site, "pkg.libs", "libbundled-1a2b.so.1"), "-Wl,-rpath,$ORIGIN/../pkg.libs", "-Wl,--enable-new-dtags"]);
    // links a system library the run image (below) lacks
    cc(["-o", path.join(site, "pkg", "needs_mpfr.so"), src, "-Wl,--no-as-needed", MPFR]);
    // not ELF at all, with an ELF-ish name
    fs.writeFileSync(path.join(site, "pkg", "fake.so"), "not an ELF file");
    fs.writeFileSync(path.join(site, "pkg-1.0.dist-info", "METADATA"), "Metadata-Version: 2.1\nName: Pkg-Native\nVersion: 1.0\n");
    fs.writeFileSync(path.join(site, "pkg-1.0.dist-info", "RECORD"), "pkg/bundled.so,,\npkg/needs_mpfr.so,,\npkg.libs/libbundled-1a2b.so.1,,\n");

    const runImage = ["libc.so.6", "libm.so.6"];
    expect(linkage(env, runImage)).toEqual({
      checked: 3,
      missing: [{ distribution: "Pkg-Native", file: "lib/python3.11/site-packages/pkg/needs_mpfr.so", library: "libmpfr.so.6" }],
    });
    expect(linkage(env, [...runImage, "libmpfr.so.6"])).toEqual({ checked: 3, missing: [] });
    fs.rmSync(path.dirname(env), { recursive: true, force: true });
  });
});

describe("a wheel whose extension links a library the run image lacks", () => {
  it("fails the build with the text, before the import check (which the build image would pass); caches nothing; the fixed wheel builds", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-"));
    const app = path.join(base, "workspace");
    const runImage = path.join(base, "run-image-without-mpfr.json");
    const w = workspace("native-library", { PIP_FIND_LINKS: path.join(app, "wheels"), KN_FN_RUN_IMAGE_LIBRARIES: runImage }, base);
    workspaces.push(w);
    writeRunLibraries(runImage, hostLibraries().filter((l) => !l.startsWith("libmpfr.")));
    fs.mkdirSync(path.join(app, "wheels"));
    execFileSync("python3", [MAKE_WHEEL, path.join(app, "wheels"), "1.0.0", MPFR]);
    execFileSync("chown", ["-R", "1000:1000", base]);

    expect(detector(w, buildpacks).code).toBe(0);
    const failed = builder(w, buildpacks);
    expect(failed.code).toBe(FAILED_BUILD);
    expect(failed.output).toContain(
      "[Error: shared library missing in the run image] native code installed in the dependencies links libmpfr.so.6, which the run image does not have and no installed package ships; it would fail to import when the function starts:\n" +
        "  - kn-fn-native: lib/python3.11/site-packages/kn_fn_native/_native.cpython-311-x86_64-linux-gnu.so needs libmpfr.so.6\n" +
        "Use a build of the package that bundles its libraries (a manylinux wheel from PyPI, or its -binary variant, e.g. psycopg2-binary for psycopg2), or declare the Debian package that ships it in project.toml [com.kn-fn.system-packages] install = [...].",
    );
    expect(failed.output).not.toContain("[Checking that the function imports]");
    const layer = (...parts: string[]) => path.join(w.layers, BUILDPACK_DIR_NAME, ...parts);
    expect(fs.existsSync(layer("dependencies.toml"))).toBe(false);
    expect(fs.existsSync(layer("dependencies"))).toBe(false);
    expect(fs.existsSync(layer("launch.toml"))).toBe(false);

    // The fix: a build of the package that needs nothing the run image lacks.
    simulateRestore(w);
    execFileSync("python3", [MAKE_WHEEL, path.join(app, "wheels"), "1.0.1"]);
    fs.writeFileSync(path.join(app, "requirements.txt"), "kn-fn-native==1.0.1\n");
    execFileSync("chown", ["-R", "1000:1000", base]);
    const fixed = builder(w, buildpacks);
    expect(fixed.code).toBe(0);
    expect(fixed.output).toContain("  Installing dependencies afresh because:\n  - no cached dependencies layer\n");
    // markupsafe's speedups, granian's extension and the fixed wheel's
    expect(fixed.output).toContain("  Native libraries: 3 ELF files link only libraries the run image has or the packages ship\n");
    expect(fixed.output).toContain("  Imported handler.handler: HTTP function");
  });
});

const RUN_IMAGE_STATUS = path.join(__dirname, "..", "support", "run_image_status.py");

describe("a Debian package the function declares (project.toml [com.kn-fn.system-packages])", () => {
  function systemWorkspace(install: string[]) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-bp-"));
    const app = path.join(base, "workspace");
    const runImage = path.join(base, "run-image-without-mpfr.json");
    const status = path.join(base, "run-image-dpkg-status");
    const w = workspace("native-library", {
      PIP_FIND_LINKS: path.join(app, "wheels"), KN_FN_RUN_IMAGE_LIBRARIES: runImage, KN_FN_RUN_IMAGE_DPKG_STATUS: status,
    }, base);
    workspaces.push(w);
    writeRunLibraries(runImage, hostLibraries().filter((l) => !l.startsWith("libmpfr.")));
    // a minimal Debian 12 with Python, like the run image: libgmp10 (coreutils needs it), no libmpfr6
    execFileSync("python3", [RUN_IMAGE_STATUS, status, "python3", "ca-certificates", "tzdata"]);
    fs.mkdirSync(path.join(app, "wheels"));
    execFileSync("python3", [MAKE_WHEEL, path.join(app, "wheels"), "1.0.0", MPFR]);
    fs.writeFileSync(path.join(app, "project.toml"), `[com.kn-fn.system-packages]\ninstall = ${JSON.stringify(install)}\n`);
    execFileSync("chown", ["-R", "1000:1000", base]);
    expect(detector(w, buildpacks).code).toBe(0);
    return w;
  }

  it("libmpfr6: apt brings what the run image lacks into a launch layer; the check and the import pass; a rebuild reuses it", () => {
    const w = systemWorkspace(["libmpfr6"]);
    const result = builder(w, buildpacks);
    if (result.code !== 0) throw new Error(result.output);
    const log = result.output;
    expect(log).toContain("  System packages: libmpfr6 (from project.toml [com.kn-fn.system-packages])\n");
    expect(log).toMatch(/\n {2}System packages in the image: libmpfr6 4\.[^\n,]+\n/);
    // markupsafe's speedups, granian's extension, the wheel's extension, and libmpfr itself
    expect(log).toContain("  Native libraries: 4 ELF files link only libraries the run image has or the packages ship\n");
    expect(log).toContain("  Imported handler.handler: HTTP function");
    const layer = path.join(w.layers, BUILDPACK_DIR_NAME, "system-packages");
    expect(fs.existsSync(path.join(layer, "usr", "lib", "x86_64-linux-gnu", "libmpfr.so.6"))).toBe(true);
    expect(fs.readFileSync(path.join(layer, "env.launch", "LD_LIBRARY_PATH.prepend"), "utf8")).toBe(path.join(layer, "usr", "lib", "x86_64-linux-gnu"));
    const sbom = JSON.parse(fs.readFileSync(path.join(w.layers, BUILDPACK_DIR_NAME, "system-packages.sbom.cdx.json"), "utf8"));
    expect(sbom.components.map((c: { name: string }) => c.name)).toEqual(["libmpfr6"]);

    // Rebuilt as pack would: the same packages and versions are reused, nothing downloaded.
    simulateRestore(w);
    const again = builder(w, buildpacks);
    expect(again.code).toBe(0);
    expect(again.output).toContain("  Reusing cached system packages (the same packages, versions and run image)\n");
    expect(again.output).not.toContain("--download-only");
  });

  it("a package with maintainer scripts (libpaper1: config, postinst, postrm) is refused by name", () => {
    const w = systemWorkspace(["libpaper1"]);
    const result = builder(w, buildpacks);
    expect(result.code).toBe(FAILED_BUILD);
    expect(result.output).toContain(
      "[Error: system package needs maintainer scripts] libpaper1 has postinst, postrm, config, which this buildpack does not run (packages are unpacked into a layer, not installed as root).",
    );
    expect(fs.existsSync(path.join(w.layers, BUILDPACK_DIR_NAME, "system-packages"))).toBe(false);
    expect(fs.existsSync(path.join(w.layers, BUILDPACK_DIR_NAME, "system-packages.toml"))).toBe(false);
  });

  it("a name Debian does not have fails with the text and leaves no layer", () => {
    const w = systemWorkspace(["libnosuch-kn-fn9"]);
    const result = builder(w, buildpacks);
    expect(result.code).toBe(FAILED_BUILD);
    expect(result.output).toContain(
      '[Error: system package not found] Debian 12 has no package "libnosuch-kn-fn9" (project.toml [com.kn-fn.system-packages] install). Check the name at packages.debian.org (suite bookworm); libraries are named like libpq5, not libpq or libpq-dev.',
    );
    expect(fs.existsSync(path.join(w.layers, BUILDPACK_DIR_NAME, "system-packages.toml"))).toBe(false);
  });
});
