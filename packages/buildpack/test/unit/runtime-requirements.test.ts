// The runtime invoker's ranges against the user's exact pins, before anything is installed.
import { BuildpackError } from "../../src/errors";
import { checkRuntimeCompatible, readRuntimeRequirements, runtimeConflicts, type RuntimeRequirements } from "../../src/runtime-requirements";
import { MemoryFs, thrown } from "./fakes";

const runtime: RuntimeRequirements = {
  invokerVersion: "0.1.0",
  invokerSha256: "ab".repeat(32),
  requires: { flask: ">=3.1,<4", werkzeug: ">=3.1,<4", granian: ">=2.8,<3", cloudevents: ">=2.2,<3" },
};

describe("runtimeConflicts", () => {
  it("flask==2.3.3 conflicts with >=3.1,<4", () => {
    expect(runtimeConflicts("flask==2.3.3\n", runtime, "3.11.2")).toEqual([{ name: "flask", locked: "2.3.3", needed: ">=3.1,<4" }]);
  });

  it("flask==3.1.0 does not", () => {
    expect(runtimeConflicts("flask==3.1.0\n", runtime, "3.11.2")).toEqual([]);
  });

  it("pins of packages the runtime does not need are ignored, whatever their version", () => {
    expect(runtimeConflicts("six==1.0.0\nrequests==0.1\nflask-cors==1.0\n", runtime, "3.11.2")).toEqual([]);
  });

  it("a pin whose marker is for another Python does not count; one whose marker holds does", () => {
    const content = 'flask==2.2.5 ; python_version < "3.9"\nflask==3.1.3 ; python_version >= "3.9"\n';
    expect(runtimeConflicts(content, runtime, "3.11.2")).toEqual([]);
    expect(runtimeConflicts(content, runtime, "3.8.10")).toEqual([{ name: "flask", locked: "2.2.5", needed: ">=3.1,<4" }]);
  });

  it("matches names normalised, and reports every conflict in file order (hashes, markers)", () => {
    const content = 'Flask==2.3.3 \\\n    --hash=sha256:aa\nWerkzeug==4.0.0 ; python_version >= "3.11"\ngranian==2.8.0\nflask==3.1.0 ; python_version >= "3.13"\n';
    expect(runtimeConflicts(content, runtime, "3.11.2")).toEqual([
      { name: "flask", locked: "2.3.3", needed: ">=3.1,<4" },
      { name: "werkzeug", locked: "4.0.0", needed: ">=3.1,<4" },
    ]);
  });
});

describe("checkRuntimeCompatible", () => {
  it("returns when every pin fits", () => {
    expect(() => checkRuntimeCompatible("flask==3.1.3\nwerkzeug==3.1.3\n", runtime, "uv.lock", "3.11.2")).not.toThrow();
  });

  it("the full error text for one conflict", () => {
    const error = thrown(() => checkRuntimeCompatible("flask==2.3.3\n", runtime, "uv.lock", "3.11.2"));
    expect(error).toBeInstanceOf(BuildpackError);
    expect(error.kind).toBe("runtime-conflict");
    expect(error.message).toBe(
      "[Error: dependencies conflict with the runtime] uv.lock pins flask 2.3.3, but the runtime invoker 0.1.0 runs in the same environment and needs flask>=3.1,<4. " +
        "Nothing was installed. Change that version in uv.lock to one in the range (or drop the pin and lock again).",
    );
  });

  it("the full error text for two conflicts", () => {
    const error = thrown(() => checkRuntimeCompatible("flask==2.3.3\ngranian==2.7.0\n", runtime, "requirements.txt", "3.11.2"));
    expect(error.message).toBe(
      "[Error: dependencies conflict with the runtime] requirements.txt pins flask 2.3.3, granian 2.7.0, but the runtime invoker 0.1.0 runs in the same environment " +
        "and needs flask>=3.1,<4, granian>=2.8,<3. Nothing was installed. Change those versions in requirements.txt to one in the range (or drop the pin and lock again).",
    );
  });
});

describe("readRuntimeRequirements", () => {
  it("reads runtime.json, normalising names", () => {
    const fs = new MemoryFs({
      "/bp/wheelhouse/runtime.json": JSON.stringify({ invoker_version: "0.2.0", invoker_sha256: "cd".repeat(32), requires: { Flask: ">=3.1,<4", "CloudEvents": ">=2.2,<3" } }),
    });
    expect(readRuntimeRequirements(fs, "/bp/wheelhouse")).toEqual({
      invokerVersion: "0.2.0",
      invokerSha256: "cd".repeat(32),
      requires: { flask: ">=3.1,<4", cloudevents: ">=2.2,<3" },
    });
  });

  it("a wheelhouse without runtime.json is a broken buildpack", () => {
    const error = thrown(() => readRuntimeRequirements(new MemoryFs(), "/bp/wheelhouse"));
    expect(error.kind).toBe("wheelhouse-broken");
    expect(error.message).toBe(
      "[Error: buildpack incomplete] the runtime invoker's wheels are missing from /bp/wheelhouse (no runtime.json). The buildpack was packaged wrongly: rebuild it with pnpm --filter @kn-fn/buildpack build.",
    );
  });
});
