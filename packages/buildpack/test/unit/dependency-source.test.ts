// Choosing where the dependencies come from: every combination of files, the setting, and the
// exact error for each way it can go wrong.
import { chooseDependencySource, parsePyproject, readDependencyFiles, type DependencyFiles } from "../../src/dependency-source";
import { BuildpackError } from "../../src/errors";
import { MemoryFs, thrown } from "./fakes";

const PROJECT = '[project]\nname = "fn"\nversion = "0.1.0"\ndependencies = ["requests>=2.32", "flask==3.1.0"]\n';
const RUFF_ONLY = '[tool.ruff]\nline-length = 100\n';
const EMPTY_DEPS = '[project]\nname = "fn"\nversion = "0.1.0"\ndependencies = []\n';
const UV_LOCK = 'version = 1\nrequires-python = ">=3.11"\n';
const POETRY_LOCK = '[[package]]\nname = "requests"\nversion = "2.32.3"\n';
const REQUIREMENTS = "requests==2.32.3\n";

function files(texts: DependencyFiles["texts"], extra: Partial<DependencyFiles> = {}): DependencyFiles {
  return { texts, unsupported: [], setting: undefined, ...extra };
}
const choose = (texts: DependencyFiles["texts"], extra: Partial<DependencyFiles> = {}) => chooseDependencySource(files(texts, extra));
const failure = (texts: DependencyFiles["texts"], extra: Partial<DependencyFiles> = {}) => thrown(() => choose(texts, extra));

const SUPPORTED =
  "uv.lock with pyproject.toml (uv), poetry.lock with pyproject.toml (Poetry), pyproject.toml with [project] dependencies, or requirements.txt";
const conflict = (files: string) => {
  const [first] = files.split(" and ");
  return (
    `[Error: more than one dependency source] ${files} both declare dependencies, and a build installs from exactly one. ` +
    `Delete the one you do not use, or choose one with BP_PYTHON_DEPENDENCIES (project.toml [[build.env]] or pack build --env), e.g. BP_PYTHON_DEPENDENCIES=${first}.`
  );
};

describe("chooseDependencySource: the source", () => {
  it("uv.lock with pyproject.toml -> uv.lock (the pyproject's own dependencies are part of the lock)", () => {
    expect(choose({ "uv.lock": UV_LOCK, "pyproject.toml": PROJECT })).toEqual({ kind: "uv.lock", pyproject: PROJECT, lock: UV_LOCK });
  });

  it("poetry.lock with pyproject.toml -> poetry.lock", () => {
    const pyproject = '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "^2.32"\n';
    expect(choose({ "poetry.lock": POETRY_LOCK, "pyproject.toml": pyproject })).toEqual({ kind: "poetry.lock", pyproject, lock: POETRY_LOCK });
  });

  it("pyproject.toml with non-empty [project] dependencies -> pyproject.toml, with them as written", () => {
    expect(choose({ "pyproject.toml": PROJECT })).toEqual({ kind: "pyproject.toml", pyproject: PROJECT, dependencies: ["requests>=2.32", "flask==3.1.0"] });
  });

  it("pyproject.toml with only [tool.ruff], and requirements.txt -> requirements.txt", () => {
    expect(choose({ "pyproject.toml": RUFF_ONLY, "requirements.txt": REQUIREMENTS })).toEqual({ kind: "requirements.txt", content: REQUIREMENTS });
  });

  it("pyproject.toml with `dependencies = []` -> none", () => {
    expect(choose({ "pyproject.toml": EMPTY_DEPS })).toEqual({ kind: "none" });
  });

  it("requirements.txt of only comments and blank lines -> none", () => {
    expect(choose({ "requirements.txt": "# requests==2.32.3\n\n   # another\n" })).toEqual({ kind: "none" });
  });

  it("nothing at all -> none", () => {
    expect(choose({})).toEqual({ kind: "none" });
  });

  it("a comment-only requirements.txt next to uv.lock is no second source", () => {
    expect(choose({ "uv.lock": UV_LOCK, "pyproject.toml": PROJECT, "requirements.txt": "# see uv.lock\n" }).kind).toBe("uv.lock");
  });

  it("[tool.poetry.dependencies] with only python -> none", () => {
    expect(choose({ "pyproject.toml": '[tool.poetry]\nname = "fn"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n' })).toEqual({ kind: "none" });
  });

  it("Pipfile together with requirements.txt -> requirements.txt (the unsupported file is not an error then)", () => {
    expect(choose({ "requirements.txt": REQUIREMENTS }, { unsupported: ["Pipfile"] })).toEqual({ kind: "requirements.txt", content: REQUIREMENTS });
  });
});

describe("chooseDependencySource: conflicts and the setting", () => {
  it("requirements.txt + uv.lock -> conflict naming both and BP_PYTHON_DEPENDENCIES", () => {
    const error = failure({ "uv.lock": UV_LOCK, "pyproject.toml": PROJECT, "requirements.txt": REQUIREMENTS });
    expect(error.kind).toBe("dependencies-conflict");
    expect(error.message).toBe(conflict("uv.lock and requirements.txt"));
  });

  it("requirements.txt + pyproject.toml dependencies -> conflict", () => {
    const error = failure({ "pyproject.toml": PROJECT, "requirements.txt": REQUIREMENTS });
    expect(error.kind).toBe("dependencies-conflict");
    expect(error.message).toBe(conflict("pyproject.toml and requirements.txt"));
  });

  it("uv.lock + poetry.lock -> conflict", () => {
    const error = failure({ "uv.lock": UV_LOCK, "poetry.lock": POETRY_LOCK, "pyproject.toml": PROJECT });
    expect(error.kind).toBe("dependencies-conflict");
    expect(error.message).toBe(conflict("uv.lock and poetry.lock"));
  });

  it("BP_PYTHON_DEPENDENCIES=requirements.txt with uv.lock and requirements.txt -> requirements.txt", () => {
    expect(choose({ "uv.lock": UV_LOCK, "pyproject.toml": PROJECT, "requirements.txt": REQUIREMENTS }, { setting: "requirements.txt" })).toEqual({
      kind: "requirements.txt",
      content: REQUIREMENTS,
    });
  });

  it("BP_PYTHON_DEPENDENCIES chooses the other side of each conflict too (trimmed)", () => {
    expect(choose({ "uv.lock": UV_LOCK, "pyproject.toml": PROJECT, "requirements.txt": REQUIREMENTS }, { setting: " uv.lock\n" }).kind).toBe("uv.lock");
    expect(choose({ "pyproject.toml": PROJECT, "requirements.txt": REQUIREMENTS }, { setting: "pyproject.toml" }).kind).toBe("pyproject.toml");
    expect(choose({ "uv.lock": UV_LOCK, "poetry.lock": POETRY_LOCK, "pyproject.toml": PROJECT }, { setting: "poetry.lock" }).kind).toBe("poetry.lock");
  });

  it.each([
    ["Pipfile", "Pipfile"],
    ["", '""'],
    ["requirements", "requirements"],
    ["requirements.txt uv.lock", '"requirements.txt uv.lock"'],
  ])("an invalid setting %j is an error showing the value", (value, shown) => {
    const error = failure({ "requirements.txt": REQUIREMENTS }, { setting: value });
    expect(error.kind).toBe("dependencies-invalid");
    expect(error.message).toBe(
      `[Error: invalid dependency source] BP_PYTHON_DEPENDENCIES=${shown} is not one of uv.lock, poetry.lock, pyproject.toml, requirements.txt. ` +
        "Set it to the file the dependencies should be installed from.",
    );
  });

  it("a setting naming a missing file is an error", () => {
    const error = failure({ "requirements.txt": REQUIREMENTS }, { setting: "poetry.lock" });
    expect(error.kind).toBe("dependencies-invalid");
    expect(error.message).toBe(
      "[Error: dependency source not found] BP_PYTHON_DEPENDENCIES=poetry.lock, but the app directory has no poetry.lock. Add it, or set BP_PYTHON_DEPENDENCIES to a file that exists.",
    );
  });
});

describe("chooseDependencySource: errors", () => {
  it.each(["uv.lock", "poetry.lock"] as const)("%s without pyproject.toml", (lock) => {
    const error = failure({ [lock]: "x = 1\n", "requirements.txt": REQUIREMENTS });
    expect(error.kind).toBe("dependencies-invalid");
    expect(error.message).toBe(
      `[Error: ${lock} without pyproject.toml] ${lock} locks the dependencies of a pyproject.toml, and there is none in the app directory. Add the pyproject.toml the lock was made from.`,
    );
  });

  it.each([[["Pipfile"]], [["Pipfile.lock"]], [["environment.yml"]], [["setup.py"]], [["Pipfile", "Pipfile.lock"]]])("%j alone -> unsupported, listing the forms", (unsupported) => {
    const error = failure({}, { unsupported });
    expect(error.kind).toBe("dependencies-unsupported");
    expect(error.message).toBe(
      `[Error: dependency format not supported] the app directory has ${unsupported.join(", ")}, which this buildpack does not install from. Declare the dependencies in one of: ${SUPPORTED}.`,
    );
  });

  it("setup.py with a pyproject.toml that declares nothing is still unsupported", () => {
    expect(failure({ "pyproject.toml": RUFF_ONLY }, { unsupported: ["setup.py"] }).kind).toBe("dependencies-unsupported");
  });

  it("[tool.poetry.dependencies] with requests and no poetry.lock -> poetryWithoutLock", () => {
    const error = failure({ "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "^2.32"\nFlask = "^3.1"\n' });
    expect(error.kind).toBe("dependencies-invalid");
    expect(error.message).toBe(
      "[Error: poetry.lock missing] pyproject.toml declares Poetry dependencies (requests, Flask) but there is no poetry.lock. Run `poetry lock` and add poetry.lock to the app directory.",
    );
  });

  it("dynamic dependencies -> error", () => {
    const error = failure({ "pyproject.toml": '[project]\nname = "fn"\nversion = "0.1.0"\ndynamic = ["dependencies"]\n' });
    expect(error.kind).toBe("dependencies-invalid");
    expect(error.message).toBe(
      '[Error: dynamic dependencies] pyproject.toml lists "dependencies" in [project] dynamic, so only its build backend knows them. ' +
        "List them in [project] dependencies, or lock them (uv lock) and add uv.lock.",
    );
  });

  it("invalid TOML -> error with the parser's first line", () => {
    const error = failure({ "pyproject.toml": "[project\nname = 'x'\n" });
    expect(error.kind).toBe("pyproject-unreadable");
    expect(error.message).toBe(
      "[Error: pyproject.toml unreadable] pyproject.toml is not valid TOML: Unexpected character, expected whitespace, . or ] at row 1, col 10, pos 9. Fix the syntax.",
    );
  });

  it("an invalid pyproject.toml fails even next to a lock", () => {
    expect(failure({ "uv.lock": UV_LOCK, "pyproject.toml": "dependencies = [\n" }).kind).toBe("pyproject-unreadable");
  });

  it.each(['dependencies = "requests"', "dependencies = [1, 2]", "dependencies = { requests = \"*\" }"])(
    "dependencies not a list of strings (%s) -> error",
    (line) => {
      const error = failure({ "pyproject.toml": `[project]\nname = "fn"\n${line}\n` });
      expect(error.kind).toBe("pyproject-unreadable");
      expect(error.message).toBe(
        '[Error: invalid dependencies] pyproject.toml [project] dependencies must be a list of requirement strings such as "requests>=2.32" (PEP 621).',
      );
    },
  );
});

describe("parsePyproject", () => {
  it("reads [project] dependencies, dynamic and Poetry's table", () => {
    expect(parsePyproject(PROJECT)).toEqual({ dependencies: ["requests>=2.32", "flask==3.1.0"], dynamicDependencies: false, poetryDependencies: [] });
    expect(parsePyproject(RUFF_ONLY)).toEqual({ dependencies: undefined, dynamicDependencies: false, poetryDependencies: [] });
    expect(parsePyproject('[project]\ndynamic = ["version", "dependencies"]\n[tool.poetry.dependencies]\nPython = "^3.11"\nsix = "*"\n')).toEqual({
      dependencies: undefined,
      dynamicDependencies: true,
      poetryDependencies: ["six"],
    });
  });
});

describe("readDependencyFiles", () => {
  const APP = "/workspace";

  it("reads every candidate file that exists, the unsupported ones, and passes the setting", () => {
    const fs = new MemoryFs({
      [`${APP}/pyproject.toml`]: PROJECT,
      [`${APP}/uv.lock`]: UV_LOCK,
      [`${APP}/setup.py`]: "",
      [`${APP}/Pipfile`]: "",
      [`${APP}/handler.py`]: "",
    });
    expect(readDependencyFiles(fs, APP, "uv.lock")).toEqual({
      texts: { "uv.lock": UV_LOCK, "pyproject.toml": PROJECT },
      unsupported: ["Pipfile", "setup.py"],
      setting: "uv.lock",
    });
  });

  it.each(["requirements.txt", "pyproject.toml", "uv.lock"])("a %s that is not UTF-8 is an error naming it", (name) => {
    const fs = new MemoryFs();
    fs.writeFile(`${APP}/${name}`, Buffer.from([0x72, 0x65, 0xff, 0xfe, 0x0a]));
    const error = thrown(() => readDependencyFiles(fs, APP, undefined));
    expect(error).toBeInstanceOf(BuildpackError);
    expect(error.kind).toBe("requirements-unreadable");
    expect(error.message).toBe(`[Error: requirements file unreadable] ${name} is not UTF-8 text. Save it as UTF-8 (pip requirements format).`);
  });

  it("a directory in place of a file is an error", () => {
    const fs = new MemoryFs();
    fs.mkdirp(`${APP}/poetry.lock`);
    expect(thrown(() => readDependencyFiles(fs, APP, undefined)).message).toBe(
      "[Error: requirements file unreadable] poetry.lock exists but is not a regular file. Make it a text file of pip requirements, or remove it.",
    );
  });

  it("UTF-8 with non-ASCII text is read as is", () => {
    const fs = new MemoryFs({ [`${APP}/requirements.txt`]: "# café\nsix\n" });
    expect(readDependencyFiles(fs, APP, undefined).texts).toEqual({ "requirements.txt": "# café\nsix\n" });
  });
});
