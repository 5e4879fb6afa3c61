// The CLI's own contract: --help, no arguments, unknown commands and flags (texts and exit
// codes), and `publish --registry` winning over [publish] registry of the config.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli";
import type { Engine } from "../../src/docker";
import { usageText } from "../../src/messages";
import { run } from "../../src/run";

/** Every engine call, as "tag REF REPO:TAG" / "push REPO:TAG"; every image present. */
const mockCalls: string[] = [];
const mockEngine: Engine = {
  inspect: async (ref) => ({ id: `sha256:${ref.replace(/\W/g, "")}`, size: 1, tags: [ref] }),
  tag: async (ref, repo, tag) => void mockCalls.push(`tag ${ref} ${repo}:${tag}`),
  push: async (repo, tag) => (mockCalls.push(`push ${repo}:${tag}`), "sha256:digest"),
  load: async () => {},
  configBytes: async () => Buffer.alloc(0),
  remove: async () => {},
};
// main() makes its own engine: the CLI tests get the recording one, never the Docker socket.
jest.mock("../../src/docker", () => ({ ...jest.requireActual("../../src/docker"), dockerEngine: () => mockEngine }));

/** main(argv) with stdout and stderr captured. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => (into.push(String(chunk)), true);
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(capture(out));
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation(capture(err));
  try {
    const code = await main(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe("cli: usage", () => {
  test.each([["--help"], ["-h"]])("%s prints the usage on stdout and exits 0", async (flag) => {
    expect(await cli(flag)).toEqual({ code: 0, stdout: `${usageText}\n`, stderr: "" });
  });

  test("no arguments prints the usage on stdout and exits 2", async () => {
    expect(await cli()).toEqual({ code: 2, stdout: `${usageText}\n`, stderr: "" });
  });

  test("the usage lists every command and the options", () => {
    expect(usageText.split("\n")[0]).toBe("Usage: kn-fn-builder <command> [--config builder.config.toml] [--out DIR] [--registry HOST[:PORT]]");
    for (const command of ["stack", "package", "create", "toml", "all", "publish", "new"]) expect(usageText).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
  });

  test("an unknown command is a usage error on stderr, exit 1", async () => {
    expect(await cli("frobnicate", "--out", "x")).toEqual({
      code: 1,
      stdout: "",
      stderr: `[Error: usage] unknown command "frobnicate"\n\n${usageText}\n`,
    });
  });

  test.each([
    [["all", "--frob"], "--frob"],
    [["all", "--out", "d", "extra"], "extra"],
    [["toml", "--config"], "--config"],
    [["publish", "--registry"], "--registry"],
  ])("%j: unknown or incomplete option, exit 1, nothing run", async (argv, flag) => {
    mockCalls.length = 0;
    expect(await cli(...argv)).toEqual({
      code: 1,
      stdout: "",
      stderr: `[Error: usage] unknown or incomplete option ${JSON.stringify(flag)}\n\n${usageText}\n`,
    });
    expect(mockCalls).toEqual([]);
  });
});

describe("publish: --registry wins over [publish] registry", () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kn-fn-cli-"));
    config = join(dir, "builder.config.toml");
    writeFileSync(config, 'version = "0.1.0"\n\n[publish]\nregistry = "config.example:5000"\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => (mockCalls.length = 0));

  /** The registries the recorded tags and pushes went to. */
  const registries = () => [...new Set(mockCalls.map((c) => (c.split(" ").at(-1) as string).split("/")[0]))];

  test("run(): the option when given, else the config's", async () => {
    const lines: string[] = [];
    await run({ command: "publish", configFile: config, outDir: dir, log: (l) => lines.push(l), engine: mockEngine, registry: "cli.example:5001" });
    expect(registries()).toEqual(["cli.example:5001"]);
    expect(mockCalls.filter((c) => c.startsWith("push "))).toEqual(
      ["build:0.1.0", "build:latest", "run:0.1.0", "run:latest", "builder:0.1.0", "builder:latest"].map((ref) => `push cli.example:5001/kn-fn/${ref}`),
    );
    expect(lines[0]).toBe("==> publish to cli.example:5001");

    mockCalls.length = 0;
    await run({ command: "publish", configFile: config, outDir: dir, log: () => {}, engine: mockEngine });
    expect(registries()).toEqual(["config.example:5000"]);
  });

  test("the CLI: `publish --config C --registry R` pushes to R; without --registry to the config's", async () => {
    const given = await cli("publish", "--config", config, "--registry", "cli.example:5001", "--out", dir);
    expect(given.code).toBe(0);
    expect(registries()).toEqual(["cli.example:5001"]);
    expect(given.stderr).toContain("==> publish to cli.example:5001\n");
    expect(given.stderr).not.toContain("config.example");

    mockCalls.length = 0;
    const flagFirst = await cli("publish", "--registry", "cli.example:5001", "--config", config, "--out", dir);
    expect(flagFirst.code).toBe(0);
    expect(registries()).toEqual(["cli.example:5001"]); // the flag's position does not matter

    mockCalls.length = 0;
    expect((await cli("publish", "--config", config, "--out", dir)).code).toBe(0);
    expect(registries()).toEqual(["config.example:5000"]);
  });
});
