import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, parseNewArgs } from "../../src/cli";
import { BuilderError, usageText } from "../../src/messages";
import { defaultTemplatesDir, isJunk, newFunction, templateFiles } from "../../src/new";

const repoTemplates = join(__dirname, "../../../../templates/python");
const tmp = () => mkdtempSync(join(tmpdir(), "kn-fn-new-"));

/** The BuilderError a call throws (fails the test when it does not throw one). */
function thrown(f: () => unknown): BuilderError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BuilderError);
    return e as BuilderError;
  }
  throw new Error("expected a BuilderError");
}

describe("new", () => {
  test("the templates are found from the source tree (ts-jest) and from the built dist/lib", () => {
    expect(defaultTemplatesDir()).toBe(repoTemplates);
    expect(defaultTemplatesDir(join(__dirname, "../../dist/lib"))).toBe(repoTemplates);
  });

  test("http: copies every file of templates/python/http into a new nested directory and logs each", () => {
    const dir = join(tmp(), "a", "my-fn");
    const lines: string[] = [];
    const result = newFunction({ dir, template: "http", log: (l) => lines.push(l) });
    const expected = ["README.md", "handler.py", "knative/service.yaml", "project.toml", "requirements.txt"];
    expect(result).toEqual({ dir, template: "http", files: expected });
    for (const file of expected) {
      expect(readFileSync(join(dir, file), "utf8")).toBe(readFileSync(join(repoTemplates, "http", file), "utf8"));
    }
    expect(templateFiles(dir)).toEqual(expected);
    expect(lines).toEqual([
      `==> new function in ${dir} from the http template`,
      ...expected.map((f) => `    wrote ${f}`),
      `\n    next:\n    cd ${dir}\n    README.md there shows how to build it with pack, run it, call it and deploy it on Knative`,
    ]);
  });

  test("cloudevents: the Trigger comes along", () => {
    const dir = join(tmp(), "ce");
    const result = newFunction({ dir, template: "cloudevents", log: () => {} });
    expect(result.files).toEqual([
      "README.md",
      "handler.py",
      "knative/service.yaml",
      "knative/trigger.yaml",
      "project.toml",
      "requirements.txt",
    ]);
    expect(readFileSync(join(dir, "handler.py"), "utf8")).toContain("def handler(data");
  });

  test("an existing empty directory is fine", () => {
    const dir = tmp();
    expect(newFunction({ dir, template: "http", log: () => {} }).files).toContain("handler.py");
  });

  test("Python caches and editor junk in a template are not copied", () => {
    const templates = tmp();
    const t = join(templates, "http");
    mkdirSync(join(t, "__pycache__"), { recursive: true });
    mkdirSync(join(t, ".idea"));
    mkdirSync(join(t, "pkg", "__pycache__"), { recursive: true });
    for (const f of ["handler.py", "__pycache__/handler.cpython-311.pyc", ".idea/workspace.xml", "pkg/mod.py", "pkg/__pycache__/mod.cpython-311.pyc",
      "pkg/mod.pyc", ".DS_Store", "handler.py~", ".handler.py.swp", ".#handler.py", "Thumbs.db"]) {
      writeFileSync(join(t, f), "x");
    }
    const dir = join(tmp(), "fn");
    expect(newFunction({ dir, template: "http", log: () => {}, templatesDir: templates }).files).toEqual(["handler.py", "pkg/mod.py"]);
    expect(readdirSync(dir).sort()).toEqual(["handler.py", "pkg"]);
    expect(readdirSync(join(dir, "pkg"))).toEqual(["mod.py"]);
    expect(["requirements.txt", "project.toml", "README.md", ".gitignore"].filter(isJunk)).toEqual([]);
  });

  test("a non-empty directory is refused, nothing is written, and the message lists what is there", () => {
    const dir = tmp();
    writeFileSync(join(dir, "main.py"), "keep me");
    const e = thrown(() => newFunction({ dir, template: "http", log: () => {} }));
    expect(e.kind).toBe("directory-not-empty");
    expect(e.message).toBe(
      `[Error: directory not empty] ${dir} is not empty: it has main.py. kn-fn-builder new never overwrites files: pass a path that does not exist yet or an empty directory, or remove what is there.`,
    );
    expect(readdirSync(dir)).toEqual(["main.py"]);
    expect(readFileSync(join(dir, "main.py"), "utf8")).toBe("keep me");
  });

  test("a crowded directory: five names, then how many more (hidden files count)", () => {
    const dir = tmp();
    for (const f of [".git", "a", "b", "c", "d", "e", "f"]) writeFileSync(join(dir, f), "");
    expect(thrown(() => newFunction({ dir, template: "http", log: () => {} })).message).toContain(
      `${dir} is not empty: it has .git, a, b, c, d and 2 more.`,
    );
    const two = tmp();
    for (const f of ["x", "y"]) writeFileSync(join(two, f), "");
    expect(thrown(() => newFunction({ dir: two, template: "http", log: () => {} })).message).toContain("it has x and y.");
  });

  test("a path that is a file is refused", () => {
    const file = join(tmp(), "handler.py");
    writeFileSync(file, "");
    const e = thrown(() => newFunction({ dir: file, template: "http", log: () => {} }));
    expect(e.kind).toBe("not-a-directory");
    expect(e.message).toBe(
      `[Error: not a directory] ${file} exists and is not a directory. kn-fn-builder new writes the function into a directory: pass a path that does not exist yet or an empty directory.`,
    );
  });

  test("an unknown template is refused before anything is created, listing the known ones", () => {
    const dir = join(tmp(), "fn");
    const e = thrown(() => newFunction({ dir, template: "grpc", log: () => {} }));
    expect(e.kind).toBe("unknown-template");
    expect(e.message).toBe(
      '[Error: unknown template] there is no template "grpc". Known templates: http, cloudevents. Pass --template http or --template cloudevents.',
    );
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  test("templates missing from the checkout: says where it looked", () => {
    const templates = tmp();
    const e = thrown(() => newFunction({ dir: join(tmp(), "fn"), template: "cloudevents", log: () => {}, templatesDir: templates }));
    expect(e.kind).toBe("template-missing");
    expect(e.message).toBe(
      `[Error: template missing] the cloudevents template is not at ${join(templates, "cloudevents")}. kn-fn-builder new copies templates/python/<template>/ from the kn-fn repository it runs in: run packages/builder/bin/kn-fn-builder of a complete checkout.`,
    );
  });
});

describe("new: arguments", () => {
  test("DIR and --template in either order; http when --template is left out", () => {
    expect(parseNewArgs(["fn", "--template", "cloudevents"])).toEqual({ dir: "fn", template: "cloudevents" });
    expect(parseNewArgs(["--template", "cloudevents", "fn"])).toEqual({ dir: "fn", template: "cloudevents" });
    expect(parseNewArgs(["fn"])).toEqual({ dir: "fn", template: "http" });
  });

  test("no DIR", () => {
    const e = thrown(() => parseNewArgs(["--template", "http"]));
    expect(e.kind).toBe("usage");
    expect(e.message).toBe(
      `[Error: usage] new needs the directory to write the function into: kn-fn-builder new DIR [--template http|cloudevents]\n\n${usageText}`,
    );
  });

  test("two directories", () => {
    expect(thrown(() => parseNewArgs(["a", "b"])).message).toBe(`[Error: usage] new takes one directory, found "a" and "b"\n\n${usageText}`);
  });

  test("--template without a value, and unknown options", () => {
    expect(thrown(() => parseNewArgs(["fn", "--template"])).message).toBe(`[Error: usage] unknown or incomplete option "--template"\n\n${usageText}`);
    expect(thrown(() => parseNewArgs(["fn", "--force"])).message).toBe(`[Error: usage] unknown or incomplete option "--force"\n\n${usageText}`);
  });

  test("the usage text documents new and its default", () => {
    expect(usageText).toContain("kn-fn-builder new DIR [--template http|cloudevents]");
    expect(usageText).toContain("new       copy a Python function template into DIR (created; must be new or empty);\n            --template http (the default) or cloudevents");
  });

  test("main: new writes the function and exits 0; an error exits 1 with the message on stderr", async () => {
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    try {
      const dir = join(tmp(), "fn");
      expect(await main(["new", dir])).toBe(0);
      expect(readFileSync(join(dir, "handler.py"), "utf8")).toContain("def handler(req");
      expect(stderr.join("")).toContain(`==> new function in ${dir} from the http template\n`);
      stderr.length = 0;
      expect(await main(["new", dir, "--template", "cloudevents"])).toBe(1);
      expect(stderr.join("")).toBe(
        `[Error: directory not empty] ${dir} is not empty: it has README.md, handler.py, knative, project.toml and requirements.txt. kn-fn-builder new never overwrites files: pass a path that does not exist yet or an empty directory, or remove what is there.\n`,
      );
    } finally {
      spy.mockRestore();
    }
  });
});
