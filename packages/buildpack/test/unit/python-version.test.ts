import type { ErrorKind } from "../../src/errors";
import {
  describe as describeChoice,
  parsePythonVersionFile,
  resolvePythonVersion,
  type PythonVersionChoice,
  type VersionSources,
} from "../../src/python-version";
import { thrown } from "./fakes";

// What issue 13's builder ships: Debian's patched 3.11.2 and the newest 3.13, 3.14, 3.15 in the archive.
const SHIPPED = ["3.11.2", "3.13.18", "3.14.10", "3.15.2"];
const DEFAULT_MINOR = "3.14";

const error = thrown;

const FORMS =
  "a minor version such as 3.13 (for the newest 3.13.x this builder has) or an exact one such as 3.13.18, " +
  "with no prefix or suffix (not python3.13, cpython@3.13 or 3.13t).";
const RANGE_HINT = " A range such as >=3.13 belongs in requires-python in pyproject.toml.";
const ENV_HOW = "BP_PYTHON_VERSION (project.toml [[build.env]] or pack build --env)";
const LIST = "3.11.2, 3.13.18, 3.14.10, 3.15.2";
const NO_312 =
  " 3.12 is not built by this builder: it has no current, security-patched source of 3.12, and ships no old, unpatched build from elsewhere.";
const SPECIFIERS = 'Write one such as ">=3.11" or ">=3.11,<3.14" (https://packaging.python.org/en/latest/specifications/version-specifiers/).';

describe("parsePythonVersionFile", () => {
  it.each([
    ["3.13", "3.13"],
    ["3.13.18\n", "3.13.18"],
    ["# written by uv python pin\n\n  3.13  \n3.14\n", "3.13"],
    ["# a comment\r\n\r\n3.13.18\r\n", "3.13.18"],
    ["#old Mac line ends\r3.11\r", "3.11"],
    ["\uFEFF3.15\n", "3.15"],
    ["\t3.14\t\n", "3.14"],
    ["   # an indented comment\n3.13", "3.13"],
  ])("reads the first line that is neither blank nor a comment, trimmed: %j", (text, version) => {
    expect(parsePythonVersionFile(text)).toBe(version);
  });

  it.each([
    ["python3.13", 1, '"python3.13"', ""],
    ["cpython@3.13", 1, '"cpython@3.13"', ""],
    ["3.13t", 1, '"3.13t"', ""],
    ["# pinned\n\n>=3.13\n", 3, '">=3.13"', RANGE_HINT],
    ["3", 1, '"3"', ""],
    ["3.13.18.1", 1, '"3.13.18.1"', ""],
    ["3.13.0rc1", 1, '"3.13.0rc1"', ""],
    ["3.013", 1, '"3.013"', ""],
    ["3.13 # the team's version", 1, "\"3.13 # the team's version\"", ""],
    ["system", 1, '"system"', ""],
    ["3.13\u00a0x", 1, '"3.13\\u00a0x"', ""],
  ])("refuses anything but 3.13 or 3.13.18, quoting the line: %j", (text, lineNumber, shown, hint) => {
    const e = error(() => parsePythonVersionFile(text));
    expect(e.kind).toBe("python-version-invalid");
    expect(e.message).toBe(
      `[Error: invalid Python version] line ${lineNumber} of .python-version is ${shown}, which is not a version this builder reads. ` +
        `Write the version alone: ${FORMS}${hint}`,
    );
  });

  it.each([[""], ["\n\n"], ["# only a comment\r\n   \r\n"]])("refuses a file without a version: %j", (text) => {
    const e = error(() => parsePythonVersionFile(text));
    expect(e.kind).toBe("python-version-invalid");
    expect(e.message).toBe(
      "[Error: invalid Python version] .python-version holds no version: it is empty or has only blank lines and comments. " +
        `Write the version alone on its first line, or delete the file. Accepted: ${FORMS}`,
    );
  });
});

describe("resolvePythonVersion", () => {
  const chosen: Array<[string, VersionSources, PythonVersionChoice, string]> = [
    [
      "no source: the default, and how to pin",
      {},
      { version: "3.14.10", origin: "default" },
      "Python 3.14.10 (the default: no BP_PYTHON_VERSION, .python-version or requires-python; pin one in .python-version)",
    ],
    ["a minor in .python-version: its newest patch", { file: "3.13\n" }, { version: "3.13.18", origin: ".python-version" }, "Python 3.13.18 (from .python-version)"],
    ["an exact version in .python-version", { file: "3.13.18" }, { version: "3.13.18", origin: ".python-version" }, "Python 3.13.18 (from .python-version)"],
    ["BP_PYTHON_VERSION", { env: "3.15" }, { version: "3.15.2", origin: "BP_PYTHON_VERSION" }, "Python 3.15.2 (from BP_PYTHON_VERSION)"],
    ["BP_PYTHON_VERSION, trimmed", { env: " 3.11\n" }, { version: "3.11.2", origin: "BP_PYTHON_VERSION" }, "Python 3.11.2 (from BP_PYTHON_VERSION)"],
    [
      "BP_PYTHON_VERSION and .python-version equal: BP_PYTHON_VERSION first",
      { env: "3.13", file: "3.13" },
      { version: "3.13.18", origin: "BP_PYTHON_VERSION", agreeing: [{ origin: ".python-version", value: "3.13" }] },
      "Python 3.13.18 (from BP_PYTHON_VERSION; .python-version (3.13) agrees)",
    ],
    [
      "a minor and an exact version within it agree: the exact one is chosen",
      { env: "3.13", file: "3.13.18" },
      { version: "3.13.18", origin: ".python-version", agreeing: [{ origin: "BP_PYTHON_VERSION", value: "3.13" }] },
      "Python 3.13.18 (from .python-version; BP_PYTHON_VERSION=3.13 agrees)",
    ],
    [
      "the same the other way round",
      { env: "3.13.18", file: "# uv\n3.13\n" },
      { version: "3.13.18", origin: "BP_PYTHON_VERSION", agreeing: [{ origin: ".python-version", value: "3.13" }] },
      "Python 3.13.18 (from BP_PYTHON_VERSION; .python-version (3.13) agrees)",
    ],
    [
      "requires-python that the default satisfies: the default",
      { requiresPython: ">=3.11" },
      { version: "3.14.10", origin: "default", requiresPython: ">=3.11" },
      "Python 3.14.10 (the default, which satisfies requires-python >=3.11 in pyproject.toml)",
    ],
    [
      "~=3.14 keeps the default",
      { requiresPython: "~=3.14" },
      { version: "3.14.10", origin: "default", requiresPython: "~=3.14" },
      "Python 3.14.10 (the default, which satisfies requires-python ~=3.14 in pyproject.toml)",
    ],
    [
      "requires-python that excludes the default: the newest that satisfies it",
      { requiresPython: "<3.14" },
      { version: "3.13.18", origin: "requires-python", requiresPython: "<3.14" },
      "Python 3.13.18 (the newest this builder has that satisfies requires-python <3.14 in pyproject.toml)",
    ],
    [
      ">=3.11,<3.14",
      { requiresPython: ">=3.11,<3.14" },
      { version: "3.13.18", origin: "requires-python", requiresPython: ">=3.11,<3.14" },
      "Python 3.13.18 (the newest this builder has that satisfies requires-python >=3.11,<3.14 in pyproject.toml)",
    ],
    [
      ">=3.11, <3.14 (spaces)",
      { requiresPython: ">=3.11, <3.14" },
      { version: "3.13.18", origin: "requires-python", requiresPython: ">=3.11, <3.14" },
      "Python 3.13.18 (the newest this builder has that satisfies requires-python >=3.11, <3.14 in pyproject.toml)",
    ],
    [
      "~=3.13.0",
      { requiresPython: "~=3.13.0" },
      { version: "3.13.18", origin: "requires-python", requiresPython: "~=3.13.0" },
      "Python 3.13.18 (the newest this builder has that satisfies requires-python ~=3.13.0 in pyproject.toml)",
    ],
    [
      "==3.13.*",
      { requiresPython: "==3.13.*" },
      { version: "3.13.18", origin: "requires-python", requiresPython: "==3.13.*" },
      "Python 3.13.18 (the newest this builder has that satisfies requires-python ==3.13.* in pyproject.toml)",
    ],
    [
      "!=3.14.*: the newest that satisfies it, not the nearest",
      { requiresPython: "!=3.14.*" },
      { version: "3.15.2", origin: "requires-python", requiresPython: "!=3.14.*" },
      "Python 3.15.2 (the newest this builder has that satisfies requires-python !=3.14.* in pyproject.toml)",
    ],
    [
      ".python-version within requires-python",
      { file: "3.13", requiresPython: ">=3.11" },
      { version: "3.13.18", origin: ".python-version", requiresPython: ">=3.11" },
      "Python 3.13.18 (from .python-version, which satisfies requires-python >=3.11 in pyproject.toml)",
    ],
    [
      "BP_PYTHON_VERSION within requires-python",
      { env: "3.11", requiresPython: "<3.14" },
      { version: "3.11.2", origin: "BP_PYTHON_VERSION", requiresPython: "<3.14" },
      "Python 3.11.2 (from BP_PYTHON_VERSION, which satisfies requires-python <3.14 in pyproject.toml)",
    ],
    [
      "all three agreeing",
      { env: "3.13", file: "3.13.18", requiresPython: ">=3.11" },
      { version: "3.13.18", origin: ".python-version", requiresPython: ">=3.11", agreeing: [{ origin: "BP_PYTHON_VERSION", value: "3.13" }] },
      "Python 3.13.18 (from .python-version, which satisfies requires-python >=3.11 in pyproject.toml; BP_PYTHON_VERSION=3.13 agrees)",
    ],
  ];
  it.each(chosen)("%s", (_name, sources, choice, line) => {
    const result = resolvePythonVersion(sources, SHIPPED, DEFAULT_MINOR);
    expect(result).toEqual(choice);
    expect(describeChoice(result)).toBe(line);
  });

  it("with several patches of a minor: the newest, or the newest that requires-python allows; any order given", () => {
    const shipped = ["3.14.10", "3.13.18", "3.13.5"];
    expect(resolvePythonVersion({ file: "3.13" }, shipped, DEFAULT_MINOR).version).toBe("3.13.18");
    expect(resolvePythonVersion({ file: "3.13.5" }, shipped, DEFAULT_MINOR).version).toBe("3.13.5");
    expect(resolvePythonVersion({ file: "3.13", requiresPython: "<3.13.10" }, shipped, DEFAULT_MINOR).version).toBe("3.13.5");
    expect(resolvePythonVersion({ requiresPython: "!=3.14.10" }, shipped, DEFAULT_MINOR)).toEqual({
      version: "3.13.18",
      origin: "requires-python",
      requiresPython: "!=3.14.10",
    });
  });

  const failures: Array<[string, VersionSources, ErrorKind, string]> = [
    // BP_PYTHON_VERSION's form
    [
      "BP_PYTHON_VERSION=python3.13",
      { env: "python3.13" },
      "python-version-invalid",
      `[Error: invalid Python version] BP_PYTHON_VERSION=python3.13 is not a version this builder reads. Set it (project.toml [[build.env]] or pack build --env) to the version alone: ${FORMS}`,
    ],
    [
      "BP_PYTHON_VERSION=>=3.13",
      { env: ">=3.13" },
      "python-version-invalid",
      `[Error: invalid Python version] BP_PYTHON_VERSION=>=3.13 is not a version this builder reads. Set it (project.toml [[build.env]] or pack build --env) to the version alone: ${FORMS}${RANGE_HINT}`,
    ],
    [
      "BP_PYTHON_VERSION set but empty",
      { env: "" },
      "python-version-invalid",
      `[Error: invalid Python version] BP_PYTHON_VERSION="" is not a version this builder reads. Set it (project.toml [[build.env]] or pack build --env) to the version alone: ${FORMS}`,
    ],
    [
      "BP_PYTHON_VERSION with two versions",
      { env: "3.13 3.14" },
      "python-version-invalid",
      `[Error: invalid Python version] BP_PYTHON_VERSION="3.13 3.14" is not a version this builder reads. Set it (project.toml [[build.env]] or pack build --env) to the version alone: ${FORMS}`,
    ],
    [
      "a broken .python-version fails even under BP_PYTHON_VERSION",
      { env: "3.13", file: "cpython@3.13" },
      "python-version-invalid",
      `[Error: invalid Python version] line 1 of .python-version is "cpython@3.13", which is not a version this builder reads. Write the version alone: ${FORMS}`,
    ],
    // two requests
    [
      "BP_PYTHON_VERSION and .python-version differ",
      { env: "3.13", file: "3.14" },
      "python-version-conflict",
      `[Error: conflicting Python versions] BP_PYTHON_VERSION=3.13 and .python-version (3.14) ask for different Python versions. Change ${ENV_HOW} or the version in .python-version so that they agree, or set only one of them.`,
    ],
    [
      "an exact version outside the other's minor",
      { env: "3.14", file: "3.13.18" },
      "python-version-conflict",
      `[Error: conflicting Python versions] BP_PYTHON_VERSION=3.14 and .python-version (3.13.18) ask for different Python versions. Change ${ENV_HOW} or the version in .python-version so that they agree, or set only one of them.`,
    ],
    [
      "two exact versions of one minor",
      { env: "3.13.18", file: "3.13.5" },
      "python-version-conflict",
      `[Error: conflicting Python versions] BP_PYTHON_VERSION=3.13.18 and .python-version (3.13.5) ask for different Python versions. Change ${ENV_HOW} or the version in .python-version so that they agree, or set only one of them.`,
    ],
    // what the builder does not have
    [
      "3.12",
      { file: "3.12" },
      "python-version-unavailable",
      `[Error: Python version not available] .python-version asks for Python 3.12, which this builder does not have.${NO_312} It has ${LIST}. Change the version in .python-version to one of them, or to a minor version alone (such as 3.14) for its newest patch.`,
    ],
    [
      "a 3.12 patch",
      { file: "3.12.7" },
      "python-version-unavailable",
      `[Error: Python version not available] .python-version asks for Python 3.12.7, which this builder does not have.${NO_312} It has ${LIST}. Change the version in .python-version to one of them, or to a minor version alone (such as 3.14) for its newest patch.`,
    ],
    [
      "3.10 from BP_PYTHON_VERSION",
      { env: "3.10" },
      "python-version-unavailable",
      `[Error: Python version not available] BP_PYTHON_VERSION asks for Python 3.10, which this builder does not have. It has ${LIST}. Change ${ENV_HOW} to one of them, or to a minor version alone (such as 3.14) for its newest patch.`,
    ],
    [
      "2.7",
      { file: "2.7" },
      "python-version-unavailable",
      `[Error: Python version not available] .python-version asks for Python 2.7, which this builder does not have. It has ${LIST}. Change the version in .python-version to one of them, or to a minor version alone (such as 3.14) for its newest patch.`,
    ],
    [
      "3.99",
      { file: "3.99" },
      "python-version-unavailable",
      `[Error: Python version not available] .python-version asks for Python 3.99, which this builder does not have. It has ${LIST}. Change the version in .python-version to one of them, or to a minor version alone (such as 3.14) for its newest patch.`,
    ],
    [
      "a patch the builder does not ship",
      { file: "3.13.5" },
      "python-version-unavailable",
      `[Error: Python version not available] .python-version asks for Python 3.13.5, which this builder does not have: its 3.13 is 3.13.18. It has ${LIST}. Change the version in .python-version to one of them, or to a minor version alone (such as 3.13) for its newest patch.`,
    ],
    // requires-python
    [
      "requires-python without an operator",
      { requiresPython: "3.11" },
      "requires-python-invalid",
      `[Error: invalid requires-python] requires-python "3.11" in pyproject.toml is not a PEP 440 version specifier. ${SPECIFIERS}`,
    ],
    [
      "empty requires-python",
      { requiresPython: "" },
      "requires-python-invalid",
      `[Error: invalid requires-python] requires-python "" in pyproject.toml is not a PEP 440 version specifier. ${SPECIFIERS}`,
    ],
    [
      "requires-python with a trailing comma",
      { requiresPython: ">=3.11," },
      "requires-python-invalid",
      `[Error: invalid requires-python] requires-python ">=3.11," in pyproject.toml is not a PEP 440 version specifier. ${SPECIFIERS}`,
    ],
    [
      "requires-python that nothing shipped satisfies",
      { requiresPython: ">=3.16" },
      "requires-python-unsatisfiable",
      `[Error: no Python version satisfies requires-python] requires-python ">=3.16" in pyproject.toml excludes every Python this builder has: ${LIST}. Change requires-python in pyproject.toml to allow one of them.`,
    ],
    [
      "requires-python ==3.13, which means 3.13.0",
      { requiresPython: ">=3.11,==3.13" },
      "requires-python-unsatisfiable",
      `[Error: no Python version satisfies requires-python] requires-python ">=3.11,==3.13" in pyproject.toml excludes every Python this builder has: ${LIST}. Change requires-python in pyproject.toml to allow one of them. (==3.13 means exactly 3.13.0; ==3.13.* means any 3.13.)`,
    ],
    [
      "requires-python that nothing satisfies, under a request: requires-python is what to change",
      { file: "3.14", requiresPython: "<3.11" },
      "requires-python-unsatisfiable",
      `[Error: no Python version satisfies requires-python] requires-python "<3.11" in pyproject.toml excludes every Python this builder has: ${LIST}. Change requires-python in pyproject.toml to allow one of them.`,
    ],
    // a request against requires-python
    [
      "BP_PYTHON_VERSION outside requires-python",
      { env: "3.14", requiresPython: "<3.14" },
      "python-version-conflict",
      `[Error: conflicting Python versions] BP_PYTHON_VERSION asks for Python 3.14 (this builder's 3.14 is 3.14.10), which does not satisfy requires-python "<3.14" in pyproject.toml. Of the versions this builder has, 3.11.2, 3.13.18 do. Change ${ENV_HOW} to one of them, or change requires-python in pyproject.toml.`,
    ],
    [
      "an exact BP_PYTHON_VERSION outside requires-python",
      { env: "3.14.10", requiresPython: "<3.14" },
      "python-version-conflict",
      `[Error: conflicting Python versions] BP_PYTHON_VERSION asks for Python 3.14.10, which does not satisfy requires-python "<3.14" in pyproject.toml. Of the versions this builder has, 3.11.2, 3.13.18 do. Change ${ENV_HOW} to one of them, or change requires-python in pyproject.toml.`,
    ],
    [
      ".python-version outside requires-python",
      { file: "3.15\n", requiresPython: "~=3.13.0" },
      "python-version-conflict",
      `[Error: conflicting Python versions] .python-version asks for Python 3.15 (this builder's 3.15 is 3.15.2), which does not satisfy requires-python "~=3.13.0" in pyproject.toml. Of the versions this builder has, 3.13.18 does. Change the version in .python-version to it, or change requires-python in pyproject.toml.`,
    ],
  ];
  it.each(failures)("fails: %s", (_name, sources, kind, message) => {
    const e = error(() => resolvePythonVersion(sources, SHIPPED, DEFAULT_MINOR));
    expect(e.kind).toBe(kind);
    expect(e.message).toBe(message);
  });

  it("fails as internal when the builder does not ship its own default", () => {
    const e = error(() => resolvePythonVersion({}, ["3.13.18"], DEFAULT_MINOR));
    expect(e.kind).toBe("internal");
    expect(e.message).toBe(
      "[Error: internal] this builder's default Python 3.14 is not among the versions it has (3.13.18). " +
        "The builder was assembled wrongly: please report this with the build log.",
    );
  });
});
