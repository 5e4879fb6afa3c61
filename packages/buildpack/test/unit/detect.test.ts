import { detect, DETECT_FAIL, DETECT_PASS } from "../../src/detect";
import { MemoryFs } from "./fakes";

function run(files: Record<string, string>) {
  const lines: string[] = [];
  const code = detect({ appDir: "/app", platformDir: "/platform", fs: new MemoryFs(files), say: (l) => lines.push(l) });
  return { code, lines };
}

describe("detect", () => {
  it("passes on handler.py", () => {
    expect(run({ "/app/handler.py": "def handler(): pass" })).toEqual({
      code: DETECT_PASS,
      lines: ["kn-fn/python-function: found handler.py (default handler handler.handler)"],
    });
  });

  it("passes on a handler package", () => {
    expect(run({ "/app/handler/__init__.py": "" }).code).toBe(DETECT_PASS);
  });

  it("fails with one line when there is no handler.py and nothing is set", () => {
    expect(run({ "/app/main.py": "" })).toEqual({
      code: DETECT_FAIL,
      lines: [
        "kn-fn/python-function: no handler.py in the app directory and neither PYTHON_HANDLER nor BP_FUNCTION is set; this is not a Python function",
      ],
    });
  });

  it.each([["main.DoEvent"], [".x"], ["x."], ["x"], ["../a.b"], ["a b.c"], ["missing.fn"]])(
    "passes when PYTHON_HANDLER=%s is set, so build explains",
    (value) => {
      expect(run({ "/platform/env/PYTHON_HANDLER": value })).toEqual({
        code: DETECT_PASS,
        lines: [`kn-fn/python-function: PYTHON_HANDLER=${value} is set; build checks it`],
      });
    },
  );

  it("passes on BP_FUNCTION", () => {
    expect(run({ "/platform/env/BP_FUNCTION": "main.fn" }).lines).toEqual(["kn-fn/python-function: BP_FUNCTION=main.fn is set; build checks it"]);
  });

  it("passes on a conflict and says it", () => {
    const result = run({ "/platform/env/BP_FUNCTION": "main.fn", "/platform/env/PYTHON_HANDLER": "main.other" });
    expect(result.code).toBe(DETECT_PASS);
    expect(result.lines[0]).toMatch(/^\[Error: conflicting handler settings\]/);
  });
});
