// Reading requirements files as uv and the lock exporters write them.
import { exactPins, includedFiles, normalizeName, requirementLines } from "../../src/requirements";

describe("requirementLines", () => {
  it("joins continuation lines (LF and CRLF), as a lock export writes hashes", () => {
    expect(requirementLines("requests==2.32.3 \\\n    --hash=sha256:aa \\\r\n    --hash=sha256:bb\nsix\n")).toEqual([
      "requests==2.32.3      --hash=sha256:aa      --hash=sha256:bb",
      "six",
    ]);
  });

  it("drops comments, inline comments, blank lines; trims", () => {
    expect(requirementLines("# header\n\n  six==1.17.0   # why\r\n\t\n   # indented\nidna\t# tab comment\n")).toEqual(["six==1.17.0", "idna"]);
  });

  it("keeps a #egg= or #sha256= fragment of a URL (no space before #)", () => {
    expect(requirementLines("git+https://github.com/acme/lib.git@v1#egg=lib\nhttps://example.com/pkg-1.0.tar.gz#sha256=abc # the sdist\n")).toEqual([
      "git+https://github.com/acme/lib.git@v1#egg=lib",
      "https://example.com/pkg-1.0.tar.gz#sha256=abc",
    ]);
  });

  it("a file of only comments has none", () => {
    expect(requirementLines("# a\n#b\n   # c\n\n")).toEqual([]);
    expect(requirementLines("")).toEqual([]);
  });
});

describe("includedFiles", () => {
  it("-r, -c, --requirement and --constraint, with a space or =, in order; URLs excluded", () => {
    const content = [
      "-r base.txt",
      "--requirement=dev/extra.txt",
      "-c constraints.txt",
      "--constraint   ../shared/c.txt",
      "--requirement=c2.txt # inline comment",
      "-r https://example.com/requirements.txt",
      "-c http://example.com/c.txt",
      "# -r commented.txt",
      "six==1.17.0",
      "--index-url https://pypi.org/simple",
    ].join("\n");
    expect(includedFiles(content)).toEqual(["base.txt", "dev/extra.txt", "constraints.txt", "../shared/c.txt", "c2.txt"]);
  });

  it("none in a plain file", () => {
    expect(includedFiles("six\nrequests>=2\n")).toEqual([]);
  });
});

describe("normalizeName", () => {
  it.each([
    ["Flask", "flask"],
    ["zope.interface", "zope-interface"],
    ["Typing_Extensions", "typing-extensions"],
    ["a-._b", "a-b"],
    ["kn-fn-invoker", "kn-fn-invoker"],
  ])("%s -> %s", (name, normalised) => {
    expect(normalizeName(name)).toBe(normalised);
  });
});

describe("exactPins", () => {
  it("reads name==version and name===version, normalising names, with extras, markers and hashes", () => {
    const content = [
      "Flask[async]==3.1.0",
      "Werkzeug == 3.1.3 ; python_version >= '3.11'",
      "six==1.17.0 \\",
      "    --hash=sha256:aa \\",
      "    --hash=sha256:bb",
      "Zope.Interface===7.2",
      "gunicorn==23.0.0 --hash=sha256:cc",
    ].join("\n");
    expect(exactPins(content)).toEqual(
      new Map([
        ["flask", ["3.1.0"]],
        ["werkzeug", ["3.1.3"]],
        ["six", ["1.17.0"]],
        ["zope-interface", ["7.2"]],
        ["gunicorn", ["23.0.0"]],
      ]),
    );
  });

  it("ignores ranges, wildcards, URLs, options, editables and comments", () => {
    const content = [
      "requests>=2.32",
      "idna~=3.10",
      "flask==3.*",
      "urllib3!=2.0.0",
      "certifi<=2025.1",
      "lib @ https://example.com/lib-1.0.whl",
      "-e ./local",
      "--index-url https://pypi.org/simple",
      "# flask==2.3.3",
    ].join("\n");
    expect(exactPins(content)).toEqual(new Map());
  });

  it("keeps both versions of a name pinned twice under different markers, once each", () => {
    const content = [
      'flask==2.3.3 ; python_version < "3.12"',
      'flask==3.1.0 ; python_version >= "3.12"',
      'Flask==3.1.0 ; sys_platform == "linux"',
    ].join("\n");
    expect(exactPins(content)).toEqual(new Map([["flask", ["2.3.3", "3.1.0"]]]));
  });
});
