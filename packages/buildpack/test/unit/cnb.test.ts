import { envFiles } from "../../src/cnb/env";
import { parseLayerMetadata, renderLayerToml } from "../../src/cnb/layer";
import { purl, renderCycloneDx } from "../../src/cnb/sbom";
import { formatCommand, indent } from "../../src/log";
import { invokerErrorKind } from "../../src/errors";
import { main } from "../../src/main";

describe("layer toml", () => {
  it("renders [types] as a table and sorted metadata, and reads metadata back", () => {
    const text = renderLayerToml({ types: { launch: true, build: false, cache: true }, metadata: { b: "2", a: "1" } });
    expect(text).toBe('[types]\nlaunch = true\nbuild = false\ncache = true\n\n[metadata]\na = "1"\nb = "2"\n');
    expect(parseLayerMetadata(text)).toEqual({ a: "1", b: "2" });
    expect(parseLayerMetadata('[metadata]\na = "1"\nn = 3\n')).toEqual({ a: "1" });
    expect(parseLayerMetadata("not = [toml")).toBeUndefined();
    expect(parseLayerMetadata('launch = true\n')).toBeUndefined();
  });
});

describe("env files", () => {
  it("names files NAME.action in the scope dir, with .delim, sorted", () => {
    expect(
      envFiles([
        { scope: "env.launch", name: "PYTHON_HANDLER", action: "override", value: "a.b" },
        { scope: "env.launch", name: "PATH", action: "prepend", value: "/v/bin", delim: ":" },
      ]),
    ).toEqual([
      ["env.launch/PATH.delim", ":"],
      ["env.launch/PATH.prepend", "/v/bin"],
      ["env.launch/PYTHON_HANDLER.override", "a.b"],
    ]);
  });
});

describe("CycloneDX SBOM", () => {
  const dists = [
    { name: "Flask", version: "3.1.3" },
    { name: "zope.interface", version: "7.0" },
    { name: "kn_fn_invoker", version: "0.1.0" },
  ];
  it("is deterministic: same set, any order, same bytes; serial derived from content", () => {
    const a = renderCycloneDx(dists);
    expect(renderCycloneDx([...dists].reverse())).toBe(a);
    expect(renderCycloneDx(dists.slice(1))).not.toBe(a);
    const doc = JSON.parse(a);
    expect(doc.bomFormat).toBe("CycloneDX");
    expect(doc.specVersion).toBe("1.5");
    expect(doc.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toMatch(/timestamp/);
    expect(doc.components.map((c: { name: string; version: string; purl: string }) => [c.name, c.version, c.purl])).toEqual([
      ["Flask", "3.1.3", "pkg:pypi/flask@3.1.3"],
      ["kn_fn_invoker", "0.1.0", "pkg:pypi/kn-fn-invoker@0.1.0"],
      ["zope.interface", "7.0", "pkg:pypi/zope-interface@7.0"],
    ]);
  });
  it("escapes odd versions in the purl", () => {
    expect(purl({ name: "x", version: "1.0+local" })).toBe("pkg:pypi/x@1.0%2Blocal");
  });
});

describe("log helpers", () => {
  it("quotes only what needs quoting", () => {
    expect(formatCommand(["python3", "-c", "print('x')", "/a/b", "k=v"])).toBe(`python3 -c 'print('\\''x'\\'')' /a/b k=v`);
  });
  it("indents non-empty lines and drops trailing space", () => {
    expect(indent("a\n\nb\n\n")).toBe("      a\n\n      b");
  });
});

describe("errors", () => {
  it("keeps the invoker's kinds and folds unknown ones", () => {
    expect(invokerErrorKind("import-error")).toBe("import-error");
    expect(invokerErrorKind("what")).toBe("check-failed");
  });
});

describe("main", () => {
  it("refuses an unknown phase with exit 1", async () => {
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await main("analyse")).toBe(1);
    expect(write).toHaveBeenCalledWith("\n[Error: internal] unknown phase 'analyse': run bin/detect or bin/build.\n");
    write.mockRestore();
  });
  it("needs the lifecycle's env for build", async () => {
    const saved = process.env["CNB_LAYERS_DIR"];
    delete process.env["CNB_LAYERS_DIR"];
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await main("build")).toBe(1);
    expect(write).toHaveBeenCalledWith(
      "\n[Error: internal] the buildpack failed unexpectedly: CNB_LAYERS_DIR is not set; run this from the CNB lifecycle. Please report this with the build log.\n",
    );
    write.mockRestore();
    if (saved !== undefined) process.env["CNB_LAYERS_DIR"] = saved;
  });
});
