import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BuilderError } from "../../src/messages";
import { parseConfig, resolveConfig } from "../../src/config/load";
import { MANYLINUX_RUN_PACKAGES, formatKeyPath } from "../../src/config/schema";

const problems = (text: string) => {
  try {
    parseConfig(text, "builder.config.toml");
  } catch (e) {
    expect(e).toBeInstanceOf(BuilderError);
    return (e as Error).message;
  }
  throw new Error("expected the config to be rejected");
};

describe("config", () => {
  test("the shipped config is short and resolves to the documented defaults", () => {
    const file = join(__dirname, "../../builder.config.toml");
    const text = readFileSync(file, "utf8");
    expect(text.split("\n").filter((l) => l.trim() && !l.startsWith("#")).length).toBeLessThanOrEqual(5);
    const r = resolveConfig(parseConfig(text, file), file, { KN_FN_LIFECYCLE_TGZ: "/x/lifecycle.tgz" });
    expect(r.images).toEqual({
      build: ["kn-fn/build:0.1.0", "kn-fn/build:latest"],
      run: ["kn-fn/run:0.1.0", "kn-fn/run:latest"],
      builder: ["kn-fn/builder:0.1.0", "kn-fn/builder:latest"],
    });
    expect(r.buildpackDirs).toEqual([join(__dirname, "../../../buildpack/dist/buildpack")]);
    expect(r.lifecycleTgz).toBe("/x/lifecycle.tgz");
    expect(r.config.stack.build.packages).toEqual(["python3", "python3-venv", "python3-dev", "build-essential", "ca-certificates"]);
    expect(r.config.stack.run.packages).toEqual(["python3", "ca-certificates", "tzdata", ...MANYLINUX_RUN_PACKAGES]);
    expect(r.config.stack["manylinux-policy"]).toBe("manylinux_2_36");
    expect(r.config.stack.build.user).toEqual({ name: "cnb", uid: 1000, gid: 1000 });
  });

  test("no lifecycle anywhere leaves it undefined; the config's own wins over the env", () => {
    expect(resolveConfig(parseConfig("", "/c/b.toml"), "/c/b.toml", {}).lifecycleTgz).toBeUndefined();
    const r = resolveConfig(parseConfig('[lifecycle]\ntgz = "l.tgz"', "/c/b.toml"), "/c/b.toml", { KN_FN_LIFECYCLE_TGZ: "/e.tgz" });
    expect(r.lifecycleTgz).toBe("/c/l.tgz");
  });

  test("wrong type names the key path, what is expected and what was found", () => {
    expect(problems("[stack.run]\npackages = 7")).toBe(
      "[Error: config invalid] builder.config.toml has 1 problem:\n  - stack.run.packages: expected an array, found number 7",
    );
    expect(problems("[stack.build.user]\nname = 5")).toContain("stack.build.user.name: expected a string, found number 5");
    expect(problems('stack = "bookworm"')).toContain('stack: expected a table, found a string "bookworm"');
  });

  test("a pattern mismatch says what shape is expected", () => {
    expect(problems('[stack.build]\npackages = ["Python 3"]')).toContain(
      'stack.build.packages[0]: expected a Debian package name like python3, found "Python 3"',
    );
    expect(problems('[builder]\nimage = "KN/Builder"')).toContain('builder.image: expected an image repository like kn-fn/run, found "KN/Builder"');
  });

  test("unknown keys are named with the known ones", () => {
    expect(problems('[stack.run]\npackage = ["x"]')).toContain("stack.run.package: unknown key; known keys here: image, packages, user");
  });

  test("ranges and empty lists", () => {
    const msg = problems('[stack.build.user]\nuid = 0\n[stack.run]\npackages = []');
    expect(msg).toContain("has 2 problems");
    expect(msg).toContain("stack.build.user.uid: expected at least 1, found 0");
    expect(msg).toContain("stack.run.packages: expected at least 1 item");
  });

  test("a required key in an order group", () => {
    expect(problems("[[order]]\n[[order.group]]\nversion = \"1\"")).toContain("order[0].group[0].id: required, expected a string");
  });

  test("[publish] registry: a host[:port], named by its key path", () => {
    expect(parseConfig('[publish]\nregistry = "127.0.0.1:5000"', "b.toml").publish.registry).toBe("127.0.0.1:5000");
    expect(parseConfig("", "b.toml").publish.registry).toBeUndefined();
    expect(problems('[publish]\nregistry = "http://127.0.0.1:5000/"')).toContain(
      'publish.registry: expected a registry host[:port] like registry.example.com or 127.0.0.1:5000, found "http://127.0.0.1:5000/"',
    );
    expect(problems("[publish]\nregistry = 5000")).toContain("publish.registry: expected a string, found number 5000");
    expect(problems('[publish]\nrepository = "x"')).toContain("publish.repository: unknown key; known keys here: registry");
  });

  test("TOML syntax errors say so", () => {
    expect(problems("version = ")).toMatch(/^\[Error: config toml\] builder.config.toml is not valid TOML: /);
  });

  test("formatKeyPath", () => {
    expect(formatKeyPath(["stack", "run", "packages", 2])).toBe("stack.run.packages[2]");
    expect(formatKeyPath([])).toBe("");
  });
});
