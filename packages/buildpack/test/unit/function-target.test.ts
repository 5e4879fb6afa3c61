import { readHandlerSetting, readPlatformEnv, resolveFunctionTarget, resolveHandlerSetting } from "../../src/function-target";
import { MemoryFs, thrown } from "./fakes";

const error = thrown;

describe("handler setting", () => {
  it("defaults to handler.handler", () => {
    expect(resolveHandlerSetting(undefined, undefined)).toEqual({ value: "handler.handler", source: "default" });
  });
  it("takes PYTHON_HANDLER, then BP_FUNCTION; equal values are no conflict", () => {
    expect(resolveHandlerSetting("a.b", undefined)).toEqual({ value: "a.b", source: "PYTHON_HANDLER" });
    expect(resolveHandlerSetting(undefined, "c.d")).toEqual({ value: "c.d", source: "BP_FUNCTION" });
    expect(resolveHandlerSetting("a.b", "a.b")).toEqual({ value: "a.b", source: "PYTHON_HANDLER" });
  });
  it("takes set but empty as a value, not the default (as the invoker does)", () => {
    expect(resolveHandlerSetting("", undefined)).toEqual({ value: "", source: "PYTHON_HANDLER" });
    expect(resolveHandlerSetting(undefined, "")).toEqual({ value: "", source: "BP_FUNCTION" });
  });
  it.each([
    ["a.b", "c.d", "PYTHON_HANDLER=a.b and BP_FUNCTION=c.d"],
    ["", "c.d", 'PYTHON_HANDLER="" and BP_FUNCTION=c.d'],
  ])("refuses two different values (%j, %j), in the invoker's words", (pythonHandler, bpFunction, shown) => {
    const e = error(() => resolveHandlerSetting(pythonHandler, bpFunction));
    expect(e.kind).toBe("handler-conflict");
    expect(e.message).toBe(
      `[Error: conflicting handler settings] ${shown} are both set and differ. ` +
        "BP_FUNCTION is an alias of PYTHON_HANDLER: set only PYTHON_HANDLER (project.toml [[build.env]]), or give both the same value.",
    );
  });
  it("reads the platform env files as pack writes them (no newline), and tolerates one newline", () => {
    const fs = new MemoryFs({ "/p/env/PYTHON_HANDLER": "main.fn\n", "/p/env/BP_FUNCTION": "main.fn" });
    expect(readPlatformEnv(fs, "/p", "PYTHON_HANDLER")).toBe("main.fn");
    expect(readHandlerSetting(fs, "/p")).toEqual({ value: "main.fn", source: "PYTHON_HANDLER" });
    expect(readPlatformEnv(fs, "/p", "OTHER")).toBeUndefined();
  });
});

// parseHandler's valid and invalid forms are spec/handler-names.json's: handler-names.test.ts.

describe("resolveFunctionTarget", () => {
  const app = "/app";
  it("finds module files and package __init__ files", () => {
    const fs = new MemoryFs({ "/app/main.py": "", "/app/pkg/sub/__init__.py": "" });
    expect(resolveFunctionTarget(fs, app, { value: "main.fn", source: "PYTHON_HANDLER" })).toEqual({
      value: "main.fn",
      source: "PYTHON_HANDLER",
      module: "main",
      functionName: "fn",
      moduleFile: "main.py",
    });
    expect(resolveFunctionTarget(fs, app, { value: "pkg.sub.fn", source: "PYTHON_HANDLER" }).moduleFile).toBe("pkg/sub/__init__.py");
  });
  it("explains a malformed value, naming the setting it came from", () => {
    const e = error(() => resolveFunctionTarget(new MemoryFs(), app, { value: "a b.c", source: "BP_FUNCTION" }));
    expect(e.kind).toBe("handler-format");
    expect(e.message).toBe(
      '[Error: malformed handler] BP_FUNCTION="a b.c" is not of the form module.function or package.module.function: the last dot splits, ' +
        "and each part must be a Python identifier that is not a keyword (no paths, spaces, file extensions or empty parts). " +
        "Examples: main.handle, pkg.sub.mod.handle. Set PYTHON_HANDLER in project.toml [[build.env]] (or pack build --env PYTHON_HANDLER=...) to such a value.",
    );
  });
  it("looks for the module under its NFKC name, as Python imports it", () => {
    const fs = new MemoryFs({ "/app/fi.py": "" });
    expect(resolveFunctionTarget(fs, app, { value: "ﬁ.handler", source: "PYTHON_HANDLER" })).toMatchObject({ module: "fi", moduleFile: "fi.py" });
  });
  it("explains a missing module file", () => {
    const e = error(() => resolveFunctionTarget(new MemoryFs({ "/app/x.py": "" }), app, { value: "handler.handler", source: "default" }));
    expect(e.kind).toBe("module-not-found");
    expect(e.message).toBe(
      "[Error: handler module not found] the default handler handler.handler needs handler.py or handler/__init__.py in the app directory, and there is none. " +
        "Add the file, or set PYTHON_HANDLER in project.toml [[build.env]] (or pack build --env PYTHON_HANDLER=...) to the module that holds your function.",
    );
  });
  it("refuses a module that links outside the app dir", () => {
    const fs = new MemoryFs({ "/elsewhere/evil.py": "" });
    fs.mkdirp("/app");
    fs.links.set("/app/evil.py", "/elsewhere/evil.py");
    const e = error(() => resolveFunctionTarget(fs, app, { value: "evil.fn", source: "BP_FUNCTION" }));
    expect(e.kind).toBe("handler-outside-app");
    expect(e.message).toBe(
      "[Error: handler outside the app directory] BP_FUNCTION=evil.fn resolves to /elsewhere/evil.py, which is outside the app directory (a symbolic link?). " +
        "Keep the function's module inside the app directory.",
    );
  });
});
