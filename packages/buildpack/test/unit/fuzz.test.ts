// Build-input fuzzing: random PYTHON_HANDLER / BP_FUNCTION values (any bytes, as pack writes
// them to $CNB_PLATFORM_DIR/env from --env or project.toml) and random requirements.txt files
// never crash the buildpack: detect answers 0 or 100, build either succeeds or fails with one
// "[Error: ...]" message and exit code 1, never a stack trace.
//
// A seeded generator instead of a property library: the cases are the same on every run, and a
// failure names its seed and value. KN_FN_FUZZ_SEED / KN_FN_FUZZ_RUNS explore further.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "../../src/build";
import { chooseDependencySource } from "../../src/dependency-source";
import { detect, DETECT_FAIL, DETECT_PASS } from "../../src/detect";
import { BuildpackError } from "../../src/errors";
import { parseHandler } from "../../src/function-target";
import { uvInstallArgs } from "../../src/layers/dependencies";
import { EXIT_ERROR, main } from "../../src/main";
import { errors } from "../../src/messages";
import { MemoryFs } from "./fakes";
import { APP, PLATFORM, UV, world } from "./world";

const SEED = Number(process.env["KN_FN_FUZZ_SEED"] ?? 20240611);
const RUNS = Number(process.env["KN_FN_FUZZ_RUNS"] ?? 400);
/** Through main() with the real filesystem and python3: slower, so fewer. */
const MAIN_RUNS = Math.max(1, Math.floor(RUNS / 8));

/** mulberry32: a small, seedable PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, items: readonly T[]): T => items[int(r, items.length)] as T;

const IDENT_START = "abcxyzABZ_";
const IDENT_REST = `${IDENT_START}0129`;
// What users and tools really put in settings, and what breaks parsers and paths.
const NASTY = [".", "..", "/", "\\", " ", "\t", "\n", "\r\n", "\0", "-", ":", ";", "$(id)", "`", "'", '"', "*", "?", "#", "=",
  "é", "ß", "İ", "ﬁ", "𝒳", "\u200b", "\u202e", "\ufeff", "%2e", "~", "${HOME}", "handler", "__init__", "class", "1"];

function identifier(r: Rand): string {
  let s = pick(r, [...IDENT_START]);
  for (let i = int(r, 8); i > 0; i--) s += pick(r, [...IDENT_REST]);
  return s;
}

function wellFormed(r: Rand): string {
  const parts = [identifier(r)];
  for (let i = 1 + int(r, 3); i > 0; i--) parts.push(identifier(r));
  return parts.join(".");
}

function mutated(r: Rand): string {
  let s = wellFormed(r);
  for (let i = 1 + int(r, 3); i > 0; i--) {
    const at = int(r, s.length + 1);
    const op = int(r, 3);
    if (op === 0) s = s.slice(0, at) + pick(r, NASTY) + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1);
    else s = s.slice(0, at) + pick(r, NASTY) + s.slice(at + 1);
  }
  return s;
}

/** The bytes of a platform env file: a handler-ish string, or noise, with pack's or a hand's ending. */
function settingBytes(r: Rand): Buffer {
  const kind = int(r, 6);
  let value: Buffer;
  if (kind === 0) value = Buffer.from(wellFormed(r));
  else if (kind === 1) value = Buffer.from(Array.from({ length: int(r, 64) }, () => int(r, 256))); // not UTF-8, most of the time
  else if (kind === 2) value = Buffer.from(pick(r, ["", ".x", "x.", "x", "../a.b", "a b.c", "a..b", "a.b.", "1a.b", "a.1b", "a.b\nc.d"]));
  else if (kind === 3) value = Buffer.from(wellFormed(r).repeat(1 + int(r, 400))); // long: path limits
  else value = Buffer.from(mutated(r));
  return Buffer.concat([value, Buffer.from(pick(r, ["", "", "\n", "\r\n", "\n\n"]))]);
}

/** What the buildpack reads from such a file (pack writes no newline; one hand-written one is dropped). */
function settingValue(bytes: Buffer): string {
  return bytes.toString("utf8").replace(/\r?\n$/, "");
}

const STACK_FRAME = /^\s+at /m;

// The oracle for what a build does is parseHandler itself: whether it parses as Python does is
// spec/handler-names.json's job (handler-names.test.ts), and the last test below checks it
// against the invoker's parse_target on every generated value.
const parses = (value: string) => parseHandler(value) !== undefined;

/** The module file a well-formed handler needs (its module NFKC-normalised, as Python imports it). */
function moduleFileOf(handler: string): string {
  const parsed = parseHandler(handler);
  if (parsed === undefined) throw new Error(`not a handler: ${JSON.stringify(handler)}`);
  return `${parsed.module.split(".").join("/")}.py`;
}

function cases<T>(runs: number, salt: number, make: (r: Rand) => T): Array<[number, T]> {
  return Array.from({ length: runs }, (_, i) => {
    const seed = SEED + salt * 1_000_003 + i;
    return [seed, make(random(seed))];
  });
}

const describeValue = (b: Buffer) => JSON.stringify(b.toString("utf8")).slice(0, 120);

describe(`fuzz (seed ${SEED}, ${RUNS} runs)`, () => {
  it("detect: any PYTHON_HANDLER / BP_FUNCTION value passes with one line; nothing set and no handler.py fails with 100", () => {
    for (const [seed, c] of cases(RUNS, 1, (r) => ({
      pythonHandler: r() < 0.8 ? settingBytes(r) : undefined,
      bpFunction: r() < 0.3 ? settingBytes(r) : undefined,
      handlerPy: r() < 0.5,
    }))) {
      const files: Record<string, string> = c.handlerPy ? { "/app/handler.py": "def handler(): pass\n" } : {};
      const memory = new MemoryFs(files);
      if (c.pythonHandler) memory.writeFile("/platform/env/PYTHON_HANDLER", c.pythonHandler);
      if (c.bpFunction) memory.writeFile("/platform/env/BP_FUNCTION", c.bpFunction);
      const lines: string[] = [];
      const code = detect({ appDir: "/app", platformDir: "/platform", fs: memory, say: (l) => lines.push(l) });
      const anySet = c.pythonHandler !== undefined || c.bpFunction !== undefined;
      const context = `seed ${seed}: PYTHON_HANDLER=${c.pythonHandler && describeValue(c.pythonHandler)} BP_FUNCTION=${c.bpFunction && describeValue(c.bpFunction)}`;
      expect([context, code]).toEqual([context, anySet || c.handlerPy ? DETECT_PASS : DETECT_FAIL]);
      expect([context, lines.length]).toEqual([context, 1]);
    }
  });

  it("build: a malformed or missing handler fails early with its [Error: ...] message; a good one builds", async () => {
    for (const [seed, c] of cases(RUNS, 2, (r) => ({ bytes: settingBytes(r), withModule: r() < 0.6, alias: r() < 0.2 }))) {
      const value = settingValue(c.bytes);
      const files: Record<string, string> = { "handler.py": "def handler(req):\n    return 'hi'\n" };
      const wellFormedValue = parses(value);
      if (c.withModule && wellFormedValue) files[moduleFileOf(value)] = "def f(req):\n    return 'hi'\n";
      const w = world({ files });
      w.fs.writeFile(`${PLATFORM}/env/${c.alias ? "BP_FUNCTION" : "PYTHON_HANDLER"}`, c.bytes);
      const context = `seed ${seed}: ${c.alias ? "BP_FUNCTION" : "PYTHON_HANDLER"}=${describeValue(c.bytes)}`;
      let outcome: string;
      try {
        await build(w.ctx);
        outcome = "built";
      } catch (error) {
        if (!(error instanceof BuildpackError)) throw new Error(`${context}: not a BuildpackError: ${String(error)}`);
        expect([context, error.message]).toEqual([context, expect.stringMatching(/^\[Error: [a-z ]+\] /)]);
        expect([context, STACK_FRAME.test(error.message)]).toEqual([context, false]);
        outcome = error.kind;
      }
      const expected = !wellFormedValue ? "handler-format" : c.withModule || moduleFileOf(value) === "handler.py" ? "built" : "module-not-found";
      expect([context, outcome]).toEqual([context, expected]);
      // Failing early: nothing was installed for a bad setting.
      if (expected !== "built") expect([context, w.runner.calls.length]).toEqual([context, 0]);
    }
  });

  it("requirements.txt: the build installs offline exactly when the log says there are no requirements", async () => {
    const blank = ["", " ", "\t", "\r"];
    const comment = ["# a comment", "#", "   # indented comment", "#six==1.16.0", "# pip requirements, e.g. requests==2.32.3"];
    const requirement = ["six==1.16.0", "requests", "  six  # why", "-r other.txt", "six; python_version>'3'"];
    for (const [seed, content] of cases(RUNS, 3, (r) => {
      const lines: string[] = [];
      const withRequirement = r() < 0.4;
      for (let i = int(r, 6); i > 0; i--) lines.push(pick(r, r() < 0.5 ? blank : comment));
      if (withRequirement) lines.splice(int(r, lines.length + 1), 0, pick(r, requirement));
      return lines.join(pick(r, ["\n", "\r\n"])) + pick(r, ["", "\n"]);
    })) {
      const w = world({ files: { "handler.py": "def handler(req):\n    return 'hi'\n", "requirements.txt": content } });
      await build(w.ctx);
      const context = `seed ${seed}: requirements.txt=${JSON.stringify(content)}`;
      const saysNone = w.log.text().includes("Dependencies: none (no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines)");
      const install = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip" && c.argv[2] === "install");
      expect([context, install?.argv.includes("--offline") && install?.argv.includes("--no-index")]).toEqual([context, saysNone]);
      expect([context, install?.argv.includes(`${APP}/requirements.txt`)]).toEqual([context, !saysNone]);
    }
  });

  it("uvInstallArgs: a requirements file of blank and comment lines is no requirements (source none), installed offline", () => {
    const source = chooseDependencySource({ texts: { "requirements.txt": "# pip requirements, one per line\n\n" }, unsupported: [], setting: undefined });
    expect(source).toEqual({ kind: "none" });
    const wheelhouse = { dir: "/bp/wheelhouse", invokerWheel: "/bp/wheelhouse/kn.whl", invokerVersion: "0.1.0", digest: "d".repeat(64) };
    const args = uvInstallArgs({ executable: "/bp/uv/uv", version: "0.13.10" }, "/v/bin/python", wheelhouse, { source: source.kind, requirementsFile: undefined, keyText: "", vendorDir: undefined }, "/tmp/rr.txt");
    expect(args).toContain("--offline");
    expect(args).toContain("--no-index");
    expect(args.filter((a) => a === "--requirement")).toHaveLength(1);
  });

  it("parseHandler and its error text agree with the invoker's parse_target on every generated value", () => {
    const values = [
      ...cases(RUNS, 5, (r) => settingValue(settingBytes(r))).map(([, value]) => value),
      ...NASTY.flatMap((n) => [`${n}.f`, `m.${n}`, `m${n}.f`, `m.f${n}`]),
    ];
    const script =
      "import json, sys\n" +
      "from kn_fn_invoker._target import InvokerError, parse_target\n" +
      "def verdict(value):\n" +
      "    try:\n" +
      "        target = parse_target(value)\n" +
      "    except InvokerError as error:\n" +
      "        return error.message\n" +
      "    return [target.module, target.function]\n" +
      "print(json.dumps([verdict(value) for value in json.load(sys.stdin)]))\n";
    const python = spawnSync(process.env["PYTHON"] ?? "python3", ["-c", script], {
      input: JSON.stringify(values),
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: path.join(__dirname, "..", "..", "..", "runtime-invoker", "src") },
    });
    expect(python.stderr).toBe("");
    const invoker: unknown[] = JSON.parse(python.stdout);
    values.forEach((value, i) => {
      const parsed = parseHandler(value);
      const ours = parsed === undefined ? errors.handlerFormat("PYTHON_HANDLER", value) : [parsed.module, parsed.functionName];
      expect([JSON.stringify(value), ours]).toEqual([JSON.stringify(value), invoker[i]]);
    });
  });

  describe("through main(), with the real filesystem", () => {
    let root: string;
    let out: string;
    let savedEnv: NodeJS.ProcessEnv;

    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "kn-fn-fuzz-"));
      out = "";
      savedEnv = { ...process.env };
      jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((out += chunk.toString()), true));
      jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((out += chunk.toString()), true));
    });
    afterEach(() => {
      jest.restoreAllMocks();
      process.env = savedEnv;
      fs.rmSync(root, { recursive: true, force: true });
    });

    it("exit codes: detect 0 or 100, build 1 with one [Error: ...] and no stack frame", async () => {
      for (const [seed, c] of cases(MAIN_RUNS, 4, (r) => ({ bytes: r() < 0.9 ? settingBytes(r) : undefined, withModule: r() < 0.5 }))) {
        const dir = fs.mkdtempSync(path.join(root, "case-"));
        const [app, platform, layers, buildpack] = ["app", "platform/env", "layers", "buildpack"].map((d) => path.join(dir, d)) as [string, string, string, string];
        for (const d of [app, platform, layers, buildpack]) fs.mkdirSync(d, { recursive: true });
        const value = c.bytes === undefined ? undefined : settingValue(c.bytes);
        if (c.bytes !== undefined) fs.writeFileSync(path.join(platform, "PYTHON_HANDLER"), c.bytes);
        if (c.withModule && value !== undefined && parses(value) && value.length < 200) {
          fs.mkdirSync(path.dirname(path.join(app, moduleFileOf(value))), { recursive: true });
          fs.writeFileSync(path.join(app, moduleFileOf(value)), "def f(req):\n    return 'hi'\n");
        }
        process.env = { ...savedEnv, CNB_PLATFORM_DIR: path.dirname(platform), CNB_LAYERS_DIR: layers, CNB_BUILDPACK_DIR: buildpack };
        jest.spyOn(process, "cwd").mockReturnValue(app);
        const context = `seed ${seed}: PYTHON_HANDLER=${c.bytes && describeValue(c.bytes)}`;

        out = "";
        const detected = await main("detect");
        expect([context, detected, out.startsWith("kn-fn/python-function: ")]).toEqual([context, c.bytes === undefined ? DETECT_FAIL : DETECT_PASS, true]);
        if (c.bytes === undefined) continue;

        out = "";
        const built = await main("build");
        // An empty buildpack dir: a good handler gets as far as the wheelhouse, and fails there.
        expect([context, built]).toEqual([context, EXIT_ERROR]);
        const errors = out.match(/^\[Error: [a-z ]+\] /gm) ?? [];
        expect([context, errors.length, STACK_FRAME.test(out), out.includes("[Error: internal]")]).toEqual([context, 1, false, false]);
      }
    });

    it("an unknown phase is an error, not a crash", async () => {
      expect(await main("release")).toBe(EXIT_ERROR);
      expect(out).toBe("\n[Error: internal] unknown phase 'release': run bin/detect or bin/build.\n");
    });
  });
});
