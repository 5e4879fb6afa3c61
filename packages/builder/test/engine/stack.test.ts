import { loadConfig } from "../../src/config/load";
import { dockerEngine } from "../../src/docker";
import { buildStack } from "../../src/stack/stack";
import { configFile, sh } from "./helpers";

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
    for (const img of [first.build, first.run]) sh("docker", ["rmi", "-f", ...img.refs]);
    lines.length = 0;
    const second = await buildStack(r, engine, log);
    expect(second.build.id).toBe(first.build.id);
    expect(second.run.id).toBe(first.run.id);
    expect(lines.filter((l) => l.includes("cache hit:") && l.includes("rootfs"))).toHaveLength(2);
    expect(lines.filter((l) => l.includes("loaded kn-fn/"))).toHaveLength(2);
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
});
