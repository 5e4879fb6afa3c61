import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dir, file, symlink, tarBuffer } from "../../src/image/layer-tar";
import { checkPolicyCovered, describeRunRootfs, loaderLibrary, policyLibraries } from "../../src/stack/run-libraries";

const repoRoot = join(__dirname, "..", "..", "..", "..");

describe("run image libraries", () => {
  test("the policy data is what the pinned auditwheel gives", () => {
    const r = spawnSync(join(repoRoot, ".venv", "bin", "python"), [join(__dirname, "..", "..", "scripts", "manylinux-policy.py"), "--check"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("a policy allows its own libraries and every older policy's", () => {
    const libs = policyLibraries("manylinux_2_36");
    expect(libs).toEqual(expect.arrayContaining(["libc.so.6", "libstdc++.so.6", "libGL.so.1", "libz.so.1", "libexpat.so.1"]));
    expect(libs).toEqual([...libs].sort());
    expect(new Set(policyLibraries("manylinux_2_5")).size).toBeLessThanOrEqual(libs.length);
    expect(() => policyLibraries("manylinux_9_99")).toThrow(/\[Error: config invalid\] stack.manylinux-policy: manylinux_9_99 is not in the manylinux policy data; known policies: manylinux_2_5, /);
  });

  test("only shared objects in the loader's directories count", () => {
    expect(loaderLibrary("./usr/lib/x86_64-linux-gnu/libz.so.1")).toBe("libz.so.1");
    expect(loaderLibrary("usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30")).toBe("libstdc++.so.6.0.30");
    expect(loaderLibrary("./lib64/ld-linux-x86-64.so.2")).toBe("ld-linux-x86-64.so.2");
    expect(loaderLibrary("./usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so")).toBeUndefined();
    expect(loaderLibrary("./usr/lib/x86_64-linux-gnu/gconv/UTF-16.so")).toBeUndefined();
    expect(loaderLibrary("./usr/lib/x86_64-linux-gnu/libfoo.so.1.py")).toBeUndefined();
  });

  test("a run rootfs tar: its libraries (files and symlinks, sorted, no duplicates) and its dpkg status", async () => {
    const tarFile = join(mkdtempSync(join(tmpdir(), "kn-fn-libs-")), "layer.tar");
    writeFileSync(
      tarFile,
      await tarBuffer([
        dir("/usr/lib/x86_64-linux-gnu"),
        file("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "elf"),
        symlink("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "libstdc++.so.6.0.30"),
        file("/usr/lib/x86_64-linux-gnu/libz.so.1", "elf"),
        file("/usr/share/doc/libz.so.1", "not a library dir"),
        file("/var/lib/dpkg/status", "Package: libc6\nStatus: install ok installed\n"),
      ]),
    );
    expect(await describeRunRootfs(tarFile)).toEqual({
      libraries: ["libstdc++.so.6", "libstdc++.so.6.0.30", "libz.so.1"],
      dpkgStatus: Buffer.from("Package: libc6\nStatus: install ok installed\n"),
    });
  });

  test("a run image without a policy library fails the stack build, naming it and what to do", () => {
    const all = policyLibraries("manylinux_2_36");
    expect(() => checkPolicyCovered("kn-fn/run:0.1.0", "manylinux_2_36", all)).not.toThrow();
    const without = all.filter((l) => l !== "libstdc++.so.6" && l !== "libGL.so.1");
    expect(() => checkPolicyCovered("kn-fn/run:0.1.0", "manylinux_2_36", without)).toThrow(
      "[Error: run image libraries] kn-fn/run:0.1.0 lacks libGL.so.1, libstdc++.so.6, which wheels may link under manylinux_2_36 (PEP 600). Add the Debian packages that ship them to stack.run.packages.",
    );
  });
});
