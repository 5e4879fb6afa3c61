import { BuildpackError } from "../../src/errors";
import { parseHandler, readHandlerSetting, readPlatformEnv, resolveFunctionTarget, resolveHandlerSetting } from "../../src/function-target";
import { MemoryFs } from "./fakes";

function error(fn: () => unknown): BuildpackError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BuildpackError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("handler setting", () => {
  it("defaults to handler.handler", () => {
    expect(resolveHandlerSetting(undefined, undefined)).toEqual({ value: "handler.handler", source: "default" });
  });
  it("takes PYTHON_HANDLER, then BP_FUNCTION; equal values are no conflict", () => {
    expect(resolveHandlerSetting("a.b", undefined)).toEqual({ value: "a.b", source: "PYTHON_HANDLER" });
    expect(resolveHandlerSetting(undefined, "c.d")).toEqual({ value: "c.d", source: "BP_FUNCTION" });
    expect(resolveHandlerSetting("a.b", "a.b")).toEqual({ value: "a.b", source: "PYTHON_HANDLER" });
  });
  it("refuses two different values", () => {
    const e = error(() => resolveHandlerSetting("a.b", "c.d"));
    expect(e.kind).toBe("handler-conflict");
    expect(e.message).toBe(
      "[Error: conflicting handler settings] PYTHON_HANDLER=a.b and BP_FUNCTION=c.d are both set and differ. " +
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

describe("parseHandler", () => {
  it.each([
    ["main.fn", "main", "fn"],
    ["pkg.sub.mod.fn", "pkg.sub.mod", "fn"],
    ["_a1.B_2", "_a1", "B_2"],
  ])("%s", (value, module, functionName) => expect(parseHandler(value)).toEqual({ module, functionName }));
  it.each([".x", "x.", "x", "../a.b", "a b.c", "a..b", "1a.b", "a.b ", "", "a/b.c", "a.b-c"])("refuses %j", (value) =>
    expect(parseHandler(value)).toBeUndefined(),
  );
});

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
  it("explains a malformed value", () => {
    const e = error(() => resolveFunctionTarget(new MemoryFs(), app, { value: "../a.b", source: "PYTHON_HANDLER" }));
    expect(e.kind).toBe("handler-format");
    expect(e.message).toBe(
      "[Error: malformed handler] PYTHON_HANDLER=../a.b is not of the form module.function or package.module.function (letters, digits, _; the last dot splits). " +
        "Examples: main.handle, pkg.sub.mod.handle. Set PYTHON_HANDLER in project.toml [[build.env]] (or pack build --env PYTHON_HANDLER=...) to such a value.",
    );
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
