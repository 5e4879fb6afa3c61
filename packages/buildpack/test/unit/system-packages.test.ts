import { build } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import { debPurl, systemPackagesInvalidationReasons } from "../../src/layers/system-packages";
import type { Handler } from "./fakes";
import { APP, LAYERS, RUN_DPKG_STATUS, world, type WorldOptions } from "./world";

const SYSTEM = `${LAYERS}/system-packages`;
const APT = `${LAYERS}/apt-cache`;
const PROJECT = '[com.kn-fn.system-packages]\ninstall = ["libmpfr6"]\n';
const HANDLER = "def handler(req):\n    return 'hi'\n";

interface AptWorld {
  /** `apt-get -s install` output (what would be installed on the run image). */
  simulate?: { code: number; output: string };
  /** control members of each package's .deb */
  scripts?: Record<string, string[]>;
}

/** apt-get and dpkg-deb as they answer for libmpfr6 (and libgmp10) against the run image. */
function aptHandlers(w: () => ReturnType<typeof world>, apt: AptWorld): Handler[] {
  const inst = "Inst libgmp10 (2:6.2.1+dfsg1-1.1 Debian:12.11/stable [amd64])\nInst libmpfr6 (4.2.0-1 Debian:12.11/stable [amd64])\nConf libgmp10\nConf libmpfr6\n";
  return [
    (argv) => (argv[0] === "apt-get" && argv.includes("update") ? { code: 0, output: "Reading package lists..." } : undefined),
    (argv) => {
      if (argv[0] !== "apt-get" || !argv.includes("--simulate")) return undefined;
      const s = apt.simulate ?? { code: 0, output: inst };
      return { code: s.code, stdout: s.code === 0 ? s.output : "", output: s.output };
    },
    (argv) => {
      if (argv[0] !== "apt-get" || !argv.includes("--download-only")) return undefined;
      w().fs.writeFile(`${APT}/archives/libgmp10_2%3a6.2.1+dfsg1-1.1_amd64.deb`, "deb");
      w().fs.writeFile(`${APT}/archives/libmpfr6_4.2.0-1_amd64.deb`, "deb");
      return { code: 0, output: "Download complete and in download only mode" };
    },
    (argv) => {
      if (argv[0] !== "dpkg-deb" || argv[1] !== "--control") return undefined;
      const name = (argv[2] as string).split("/").pop()?.split("_")[0] as string;
      w().fs.writeFile(`${argv[3]}/control`, `Package: ${name}\n`);
      for (const script of apt.scripts?.[name] ?? []) w().fs.writeFile(`${argv[3]}/${script}`, "#!/bin/sh\n");
      return { code: 0 };
    },
    (argv) => {
      if (argv[0] !== "dpkg-deb" || argv[1] !== "--extract") return undefined;
      const name = (argv[2] as string).split("/").pop()?.split("_")[0] as string;
      const lib = name === "libmpfr6" ? "libmpfr.so.6" : "libgmp.so.10";
      w().fs.writeFile(`${argv[3]}/usr/lib/x86_64-linux-gnu/${lib}`, "elf");
      return { code: 0 };
    },
  ];
}

function aptWorld(apt: AptWorld = {}, options: WorldOptions = {}) {
  let w: ReturnType<typeof world> | undefined;
  w = world({ files: { "handler.py": HANDLER, "project.toml": PROJECT }, ...options, extraHandlers: aptHandlers(() => w as ReturnType<typeof world>, apt) });
  w.fs.writeFile(RUN_DPKG_STATUS, "Package: libc6\nStatus: install ok installed\n");
  return w;
}

async function failing(w: ReturnType<typeof world>): Promise<BuildpackError> {
  try {
    await build(w.ctx);
  } catch (e) {
    if (e instanceof BuildpackError) return e;
    throw e;
  }
  throw new Error("build passed");
}

describe("system packages from project.toml", () => {
  it("resolves against the run image, unpacks into a launch layer, sets LD_LIBRARY_PATH, lists them in an SBOM, and logs it all", async () => {
    const w = aptWorld();
    await build(w.ctx);
    const log = w.log.text();
    expect(log).toContain("  System packages: libmpfr6 (from project.toml [com.kn-fn.system-packages])\n");
    const apt = `apt-get -q -o Dir::State::Lists=${APT}/lists -o Dir::Cache=${APT} -o Dir::Cache::archives=${APT}/archives -o Dir::State::status=${RUN_DPKG_STATUS} -o Dir::Log=${APT} -o Debug::NoLocking=1 -o APT::Install-Recommends=false -o APT::Get::AllowUnauthenticated=false`;
    expect(log).toContain(
      [
        "[Installing system packages]",
        `  $ ${apt} update`,
        `  $ ${apt} --simulate install libmpfr6`,
        "  Installing system packages afresh because:",
        "  - no cached system-packages layer",
        `  $ ${apt} --yes install --download-only libmpfr6`,
        "      Download complete and in download only mode",
        `  $ dpkg-deb --extract ${APT}/archives/libgmp10_2%3a6.2.1+dfsg1-1.1_amd64.deb ${SYSTEM}`,
        `  $ dpkg-deb --extract ${APT}/archives/libmpfr6_4.2.0-1_amd64.deb ${SYSTEM}`,
        "  System packages in the image: libgmp10 2:6.2.1+dfsg1-1.1, libmpfr6 4.2.0-1",
        "",
        "[Installing dependencies]",
      ].join("\n"),
    );
    expect(w.fs.text(`${SYSTEM}/env.launch/LD_LIBRARY_PATH.prepend`)).toBe(`${SYSTEM}/usr/lib/x86_64-linux-gnu`);
    expect(w.fs.text(`${SYSTEM}/env.launch/LD_LIBRARY_PATH.delim`)).toBe(":");
    expect(w.fs.text(`${LAYERS}/system-packages.toml`)).toContain("launch = true");
    const sbom = JSON.parse(w.fs.text(`${LAYERS}/system-packages.sbom.cdx.json`));
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toEqual([
      "pkg:deb/debian/libgmp10@2%3A6.2.1%2Bdfsg1-1.1?arch=amd64&distro=debian-12",
      "pkg:deb/debian/libmpfr6@4.2.0-1?arch=amd64&distro=debian-12",
    ]);
    // The checks after the install see the packages as launch will.
    const linkage = w.runner.calls.find((c) => c.argv.some((a) => a.endsWith("kn_fn_linkage.py")));
    expect(linkage?.argv.slice(-2)).toEqual(["--also", SYSTEM]);
    const importCheck = w.runner.calls.find((c) => c.argv.includes("check") && !c.argv.includes("--static"));
    expect(importCheck?.options.env?.["LD_LIBRARY_PATH"]).toBe(`${SYSTEM}/usr/lib/x86_64-linux-gnu`);
  });

  it("the same packages and versions: the layer is reused without downloading, with the reason", async () => {
    const w = aptWorld();
    await build(w.ctx);
    w.runner.calls.length = 0;
    await build(w.ctx);
    expect(w.log.text()).toContain("  Reusing cached system packages (the same packages, versions and run image)\n");
    expect(w.runner.calls.some((c) => c.argv.includes("--download-only"))).toBe(false);
  });

  it("the cache key lists every reason", () => {
    const wanted = { format: "1", requested: "libmpfr6", resolved: "libgmp10=2 libmpfr6=4.2.0-2", arch: "amd64" };
    expect(systemPackagesInvalidationReasons(undefined, wanted)).toEqual(["no cached system-packages layer"]);
    expect(systemPackagesInvalidationReasons({ ...wanted, resolved: "libgmp10=2 libmpfr6=4.2.0-1" }, wanted)).toEqual([
      "the archive has other versions (libgmp10=2 libmpfr6=4.2.0-1 -> libgmp10=2 libmpfr6=4.2.0-2)",
    ]);
    expect(systemPackagesInvalidationReasons({ ...wanted, requested: "libpq5", format: "0", arch: "arm64" }, wanted)).toEqual([
      "the layer format changed (0 -> 1)",
      "the declared packages changed (libpq5 -> libmpfr6)",
      "architecture changed (arm64 -> amd64)",
    ]);
    expect(debPurl({ name: "libstdc++6", version: "12.2.0-14" }, "amd64")).toBe("pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12");
  });

  it("an unknown package fails with its name and where to look; no layer is left", async () => {
    const w = aptWorld({ simulate: { code: 100, output: "Reading package lists...\nE: Unable to locate package libnosuch9" } }, {
      files: { "handler.py": HANDLER, "project.toml": '[com.kn-fn.system-packages]\ninstall = ["libnosuch9"]\n' },
    });
    const error = await failing(w);
    expect(error.kind).toBe("system-package-not-found");
    expect(error.message).toBe(
      '[Error: system package not found] Debian 12 has no package "libnosuch9" (project.toml [com.kn-fn.system-packages] install). Check the name at packages.debian.org (suite bookworm); libraries are named like libpq5, not libpq or libpq-dev.',
    );
    expect(w.fs.kind(`${LAYERS}/system-packages.toml`)).toBeUndefined();
  });

  it("a package with maintainer scripts is refused, naming them; the layer is removed", async () => {
    const w = aptWorld({ scripts: { libmpfr6: ["postinst", "prerm"] } });
    const error = await failing(w);
    expect(error.kind).toBe("system-package-scripts");
    expect(error.message).toBe(
      "[Error: system package needs maintainer scripts] libmpfr6 has postinst, prerm, which this buildpack does not run (packages are unpacked into a layer, not installed as root). Declare only library packages that work unpacked (most lib* packages), or use a builder whose run image has libmpfr6 (project.toml [com.kn-fn.system-packages]).",
    );
    expect(w.fs.kind(SYSTEM)).toBeUndefined();
    expect(w.fs.kind(`${LAYERS}/system-packages.toml`)).toBeUndefined();
  });

  it.each([
    ['[com.kn-fn.system-packages]\ninstall = "libpq5"\n', '{"install":"libpq5"}'],
    ['[com.kn-fn.system-packages]\ninstall = ["libpq5", "Bad Name"]\n', '{"install":["libpq5","Bad Name"]}'],
    ['[com.kn-fn.system-packages]\npackages = ["libpq5"]\n', '{"packages":["libpq5"]}'],
  ])("a table that is not a list of Debian names fails before anything runs: %j", async (toml, found) => {
    const w = aptWorld({}, { files: { "handler.py": HANDLER, "project.toml": toml } });
    const error = await failing(w);
    expect(error.kind).toBe("system-packages-invalid");
    expect(error.message).toBe(
      `[Error: invalid system packages] project.toml [com.kn-fn.system-packages] must hold only install = [...], a list of Debian package names such as "libpq5"; found ${found}. Example:\n  [com.kn-fn.system-packages]\n  install = ["libpq5"]`,
    );
    expect(w.runner.calls.some((c) => c.argv[0] === "apt-get")).toBe(false);
  });

  it("a builder without the run image's dpkg status says so", async () => {
    const w = aptWorld();
    w.fs.remove(RUN_DPKG_STATUS);
    const error = await failing(w);
    expect(error.kind).toBe("system-packages-unsupported");
    expect(error.message).toContain(`(${RUN_DPKG_STATUS})`);
  });

  it("no table: no apt, no header, and a layer from an earlier build is removed", async () => {
    const w = aptWorld({}, { files: { "handler.py": HANDLER } });
    w.fs.writeFile(`${LAYERS}/system-packages.toml`, "[types]\n");
    w.fs.writeFile(`${SYSTEM}/usr/lib/x86_64-linux-gnu/libmpfr.so.6`, "elf");
    await build(w.ctx);
    expect(w.log.text()).not.toContain("system packages");
    expect(w.runner.calls.some((c) => c.argv[0] === "apt-get")).toBe(false);
    expect(w.fs.kind(SYSTEM)).toBeUndefined();
    expect(w.fs.kind(`${APP}/project.toml`)).toBeUndefined();
  });
});
