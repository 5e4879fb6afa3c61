import { loadConfig } from "../../src/config/load";
import { dockerEngine } from "../../src/docker";
import { buildStack } from "../../src/stack/stack";
import { RUN_DPKG_STATUS_PATH, RUN_LIBRARIES_PATH, policyLibraries } from "../../src/stack/run-libraries";
import { configFile, removeImages, sh, withImages } from "./helpers";

// mmdebstrap runs only when ~/.cache/kn-fn/stack has no rootfs for these inputs (minutes).
jest.setTimeout(900_000);

const engine = dockerEngine();
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const r = loadConfig(configFile);
const run = (image: string, ...cmd: string[]) => sh("docker", ["run", "--rm", image, ...cmd]).trim();

describe("stack images", () => {
  let first: Awaited<ReturnType<typeof buildStack>>;
  beforeAll(async () => {
    first = await buildStack(r, engine, log);
  });

  test("loaded under both tags; a second run from scratch gives the same image IDs", async () => {
    for (const img of [first.build, first.run]) {
      for (const ref of img.refs) expect((await engine.inspect(ref))?.id).toBe(img.id);
    }
    // The build image is loaded again under a name of its own: the other test files build on
    // kn-fn/build meanwhile. The run image keeps its name (the build image records it) and is
    // found in the engine; its ID is computed afresh all the same.
    const again = withImages({ build: "kn-fn-test/stack-again-build" });
    removeImages(again.images.build);
    lines.length = 0;
    try {
      const second = await buildStack(again, engine, log);
      expect(second.build.id).toBe(first.build.id);
      expect(second.run.id).toBe(first.run.id);
    } finally {
      removeImages(again.images.build);
    }
    expect(lines.filter((l) => l.includes("cache hit:") && l.includes("rootfs"))).toHaveLength(2);
    expect(lines.filter((l) => l.includes("loaded kn-fn-test/stack-again-build:"))).toHaveLength(1);
  });

  test("build image: user cnb 1000:1000 with a home, CNB env, labels, python3 + venv + C toolchain", () => {
    const cfg = JSON.parse(sh("docker", ["image", "inspect", "kn-fn/build:0.1.0", "--format", "{{json .Config}}"]));
    expect(cfg.User).toBe("1000:1000");
    expect(cfg.Env).toEqual(expect.arrayContaining(["CNB_USER_ID=1000", "CNB_GROUP_ID=1000"]));
    expect(cfg.Labels).toMatchObject({ "io.buildpacks.base.distro.name": "debian", "io.buildpacks.base.distro.version": "12" });
    expect(run("kn-fn/build:0.1.0", "sh", "-c", "id -un; echo $HOME; touch $HOME/x && echo writable")).toBe("cnb\n/home/cnb\nwritable");
    expect(
      run("kn-fn/build:0.1.0", "sh", "-c", "cd /tmp && python3 -m venv v && v/bin/python -c 'import sys; print(sys.version_info[:2])' && gcc --version | head -1 && test -f /usr/include/python3.11/Python.h && echo headers"),
    ).toMatch(/^\(3, 11\)\ngcc .*\nheaders$/);
  });

  test("run image: python3, certificates, tzdata, its own non-root user; no apt, no docs", () => {
    const cfg = JSON.parse(sh("docker", ["image", "inspect", "kn-fn/run:0.1.0", "--format", "{{json .Config}}"]));
    expect(cfg.User).toBe("1000:1000");
    expect(cfg.Labels).toMatchObject({ "io.buildpacks.base.distro.name": "debian", "io.buildpacks.base.id": "io.kn-fn.stacks.bookworm" });
    expect(
      run("kn-fn/run:0.1.0", "sh", "-c", "id -un; python3 -c 'import ssl, zoneinfo; print(zoneinfo.ZoneInfo(\"Europe/Berlin\").key)'; test -s /etc/ssl/certs/ca-certificates.crt && echo certs; command -v apt apt-get || echo no-apt; ls /usr/share/man 2>/dev/null | wc -l"),
    ).toBe("cnb\nEurope/Berlin\ncerts\nno-apt\n0");
  });

  test("run image: every library the manylinux policy allows resolves, and libGL comes without Mesa", () => {
    const policy = policyLibraries("manylinux_2_36");
    expect(policy).toEqual(expect.arrayContaining(["libstdc++.so.6", "libgcc_s.so.1", "libGL.so.1", "libglib-2.0.so.0", "libz.so.1"]));
    // The loader itself finds each one (ldconfig's cache, then the trusted directories).
    const script = policy.map((lib) => `python3 -c 'import ctypes; ctypes.CDLL("${lib}")' && echo ok`).join("; ");
    expect(run("kn-fn/run:0.1.0", "sh", "-c", script).split("\n")).toEqual(policy.map(() => "ok"));
    expect(run("kn-fn/run:0.1.0", "sh", "-c", "ls /usr/lib/x86_64-linux-gnu/dri 2>/dev/null | wc -l; dpkg-query -W -f='${Status}\\n' kn-fn-no-gl-driver; dpkg-query -W libllvm15 2>&1 | head -n1")).toBe(
      "0\ninstall ok installed\ndpkg-query: no packages found matching libllvm15",
    );
  });

  test("build image: lists the run image's libraries at RUN_LIBRARIES_PATH, the policy among them", () => {
    const listing = JSON.parse(run("kn-fn/build:0.1.0", "cat", RUN_LIBRARIES_PATH)) as { rootfs: string; policy: string; libraries: string[] };
    const runRootfs = JSON.parse(sh("docker", ["image", "inspect", "kn-fn/run:0.1.0", "--format", "{{json .RootFS.Layers}}"])) as string[];
    expect([listing.rootfs]).toEqual(runRootfs);
    expect(listing.policy).toBe("manylinux_2_36");
    expect(listing.libraries).toEqual(expect.arrayContaining(policyLibraries("manylinux_2_36")));
    // Every shared object in the run image's loader directories, nothing else.
    const inRun = run("kn-fn/run:0.1.0", "sh", "-c", "cd / && for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu usr/lib usr/local/lib; do ls -1 $d 2>/dev/null; done | grep -E '[.]so([.][0-9]+)*$' | sort -u");
    expect(listing.libraries).toEqual(inRun.split("\n"));
    // and the run image's dpkg status, byte for byte
    expect(run("kn-fn/build:0.1.0", "cat", RUN_DPKG_STATUS_PATH)).toBe(run("kn-fn/run:0.1.0", "cat", "/var/lib/dpkg/status"));
  });
});
