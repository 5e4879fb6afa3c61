// No secret reaches the build log: the redactor, the logger and errors it wraps, and a whole
// build whose installer prints the credentials it was given.
import { build } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import { MASK, redactError, redactingLogger, redactor } from "../../src/redact";
import { bufferLogger } from "./fakes";
import { LAYERS, PLATFORM, UV, world, type WorldOptions } from "./world";

describe("redactor", () => {
  it("masks every occurrence of every secret", () => {
    expect(MASK).toBe("****");
    expect(redactor(["hunter22", "s3cr3t"])("pw hunter22, again hunter22; s3cr3t!")).toBe("pw ****, again ****; ****!");
  });

  it("masks the longest secret first, so no part of it is left", () => {
    expect(redactor(["s3cr3t", "s3cr3t-token"])("token=s3cr3t-token and s3cr3t")).toBe("token=**** and ****");
  });

  it("masks the userinfo of any URL, whatever printed it", () => {
    expect(redactor([])("GET https://anyone:pw@host/simple/six/ and http://tok3n@h.example/x, git+ssh://git@github.com/a/b")).toBe(
      "GET https://****@host/simple/six/ and http://****@h.example/x, git+ssh://****@github.com/a/b",
    );
    expect(redactor([])("(https://u:p@host/simple) 'https://u:p@q/' \"http://v@w\"")).toBe("(https://****@host/simple) 'https://****@q/' \"http://****@w\"");
  });

  it("leaves URLs without userinfo and e-mail addresses alone", () => {
    expect(redactor([])("https://pypi.org/simple/ by dev@example.com")).toBe("https://pypi.org/simple/ by dev@example.com");
  });

  it("does not mask secrets shorter than 3 characters (they would mask ordinary text)", () => {
    expect(redactor(["ab", "x", ""])("ab x abc xx")).toBe("ab x abc xx");
    expect(redactor(["abc"])("ab x abc")).toBe("ab x ****");
  });
});

describe("redactingLogger", () => {
  it("redacts headers, lines, commands, output and errors", () => {
    const log = bufferLogger();
    const logger = redactingLogger(log.logger, redactor(["s3cr3t-token"]));
    logger.header("Index s3cr3t-token");
    logger.info("token s3cr3t-token");
    logger.command(["uv", "pip", "install", "--index", "https://user:s3cr3t-token@host/simple", "s3cr3t-token"]);
    logger.output("Failed: https://user:s3cr3t-token@host/simple/six/\nagain s3cr3t-token\n");
    logger.error("[Error: x] s3cr3t-token");
    expect(log.text()).toBe(
      "[Index ****]\n" +
        "  token ****\n" +
        "  $ uv pip install --index 'https://****@host/simple' '****'\n" +
        "      Failed: https://****@host/simple/six/\n      again ****\n" +
        "\n[Error: x] ****\n",
    );
  });
});

describe("redactError", () => {
  const redact = redactor(["s3cr3t-token"]);

  it("a BuildpackError keeps its kind, with its message redacted", () => {
    const error = redactError(new BuildpackError("install-failed", "uv said: https://user:s3cr3t-token@host/ s3cr3t-token"), redact);
    expect(error).toBeInstanceOf(BuildpackError);
    expect(error).toEqual(new BuildpackError("install-failed", "uv said: https://****@host/ ****"));
    expect((error as BuildpackError).kind).toBe("install-failed");
  });

  it("any other Error: message and stack redacted", () => {
    const original = new Error("spawn failed: s3cr3t-token");
    const error = redactError(original, redact) as Error;
    expect(error).not.toBe(original);
    expect(error.message).toBe("spawn failed: ****");
    expect(error.stack).toContain("spawn failed: ****");
    expect(error.stack).not.toContain("s3cr3t-token");
  });

  it("anything else is returned as is", () => {
    expect(redactError("s3cr3t-token", redact)).toBe("s3cr3t-token");
    expect(redactError(undefined, redact)).toBeUndefined();
  });
});

describe("build: no secret in the log or the error", () => {
  const SECRET = "s3cr3t-token";
  const URL = `https://user:${SECRET}@host/simple`;
  const uvFails = (url: string) => ({
    code: 1,
    output: `error: Failed to fetch: \`${url}/six/\`\n  Caused by: HTTP status client error (401 Unauthorized) for url (${url}/six/)\n  hint: the password ${SECRET} was rejected\n`,
  });

  async function failedBuild(options: WorldOptions, setup: (w: ReturnType<typeof world>) => void = () => undefined) {
    const w = world({ files: { "handler.py": "def handler(req):\n    return 'hi'\n", "requirements.txt": "six\n" }, ...options });
    setup(w);
    let error: unknown;
    try {
      await build(w.ctx);
    } catch (e) {
      error = e;
    }
    if (error === undefined) throw new Error("build passed");
    return { w, error };
  }

  function allFiles(w: ReturnType<typeof world>): string {
    return w.fs.tree(LAYERS).map((f) => `${f}\n${w.fs.text(`${LAYERS}/${f}`)}`).join("\n");
  }

  it("UV_INDEX with userinfo in the build env: the failed install's output and error are masked", async () => {
    const { w, error } = await failedBuild({ processEnv: { UV_INDEX: URL }, install: uvFails(URL) });
    expect(error).toBeInstanceOf(BuildpackError);
    expect((error as BuildpackError).kind).toBe("install-failed");
    expect((error as BuildpackError).message).toContain(
      "uv said:\nerror: Failed to fetch: `https://****@host/simple/six/`\n  Caused by: HTTP status client error (401 Unauthorized) for url (https://****@host/simple/six/)\n  hint: the password **** was rejected",
    );
    expect((error as BuildpackError).message).not.toContain(SECRET);
    expect(w.log.text()).toContain("      error: Failed to fetch: `https://****@host/simple/six/`\n");
    expect(w.log.text()).not.toContain(SECRET);
  });

  it("a package-index binding: uv gets the URL with the credentials, the log and error never show them", async () => {
    const { w, error } = await failedBuild({ install: uvFails(URL) }, (world) => {
      world.fs.writeFile(`${PLATFORM}/bindings/corp/type`, "package-index\n");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/index-url`, "https://host/simple\n");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/username`, "user\n");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/password`, `${SECRET}\n`);
    });
    const install = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip");
    expect(install?.options.env?.["UV_DEFAULT_INDEX"]).toBe(URL);
    expect(w.log.text()).toContain("  Package index: binding corp: index-url -> UV_DEFAULT_INDEX\n");
    expect((error as BuildpackError).kind).toBe("install-failed");
    expect((error as BuildpackError).message).not.toContain(SECRET);
    expect(w.log.text()).not.toContain(SECRET);
  });

  it("a binding's password with URL-special characters is masked raw and percent-encoded", async () => {
    const password = "p@ss/w0rd+";
    const encoded = `https://ci:${encodeURIComponent(password)}@host/simple`;
    const { w, error } = await failedBuild({ install: { code: 1, output: `GET ${encoded.replace("https://", "host:")} failed; password ${password}, ${encodeURIComponent(password)}\n` } }, (world) => {
      world.fs.writeFile(`${PLATFORM}/bindings/corp/type`, "package-index");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/extra-index-url`, "https://host/simple");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/username`, "ci");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/password`, password);
    });
    expect(w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip")?.options.env?.["UV_INDEX"]).toBe(encoded);
    for (const text of [w.log.text(), (error as Error).message]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
    }
  });

  it("a binding's user name (kn-fn) is not masked: paths holding it stay readable, the password is masked", async () => {
    const { w, error } = await failedBuild({ install: { code: 1, output: `401 for kn-fn with ${SECRET}\n` } }, (world) => {
      world.fs.writeFile(`${PLATFORM}/bindings/corp/type`, "package-index");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/index-url`, "https://host/simple");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/username`, "kn-fn");
      world.fs.writeFile(`${PLATFORM}/bindings/corp/password`, SECRET);
    });
    expect(w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip")?.options.env?.["UV_DEFAULT_INDEX"]).toBe(`https://kn-fn:${SECRET}@host/simple`);
    expect(w.log.text()).toContain("      401 for kn-fn with ****\n");
    expect(w.log.text()).toContain(`$ ${UV} venv`);
    expect(w.log.text()).toContain("/layers/kn-fn_python-function/dependencies/venv");
    expect(w.log.text()).not.toContain(SECRET);
    expect((error as Error).message).toContain("401 for kn-fn with ****");
  });

  it("PIP_INDEX_URL with a token: translated for uv, masked in the log", async () => {
    const { w, error } = await failedBuild({ processEnv: { PIP_INDEX_URL: URL }, install: uvFails(URL) });
    expect(w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip")?.options.env?.["UV_DEFAULT_INDEX"]).toBe(URL);
    expect(w.log.text()).toContain("  Package index: PIP_INDEX_URL -> UV_DEFAULT_INDEX\n");
    expect(w.log.text()).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it("UV_INDEX_<NAME>_PASSWORD: its value is masked wherever printed", async () => {
    const { w, error } = await failedBuild({ processEnv: { UV_INDEX: "internal=https://host/simple", UV_INDEX_INTERNAL_PASSWORD: SECRET }, install: { code: 1, output: `401 with ${SECRET}\n` } });
    expect(w.log.text()).toContain("      401 with ****\n");
    expect((error as Error).message).toMatch(/uv said:\n401 with \*\*\*\*$/);
  });

  it("a lock export that fails printing the secret: lock-export-failed, masked", async () => {
    const { w, error } = await failedBuild({
      files: { "handler.py": "", "pyproject.toml": '[project]\nname = "fn"\nversion = "0.1.0"\ndependencies = ["six"]\n', "uv.lock": "version = 1\n" },
      processEnv: { UV_INDEX: URL },
      lockExport: { code: 1, output: `error: Failed to fetch ${URL}/six/ (${SECRET})\n` },
    });
    expect(error).toEqual(new BuildpackError("lock-export-failed", "[Error: uv.lock unreadable] exporting the locked dependencies failed. Its output:\nerror: Failed to fetch https://****@host/simple/six/ (****)"));
    expect(w.log.text()).not.toContain(SECRET);
  });

  it("an unexpected error (not a BuildpackError) is redacted too", async () => {
    const { error } = await failedBuild({
      processEnv: { UV_INDEX: URL },
      extraHandlers: [
        (argv) => {
          if (argv[0] === UV && argv[1] === "pip") throw new Error(`spawn ${URL} failed: ${SECRET}`);
          return undefined;
        },
      ],
    });
    expect(error).not.toBeInstanceOf(BuildpackError);
    expect((error as Error).message).toBe("spawn https://****@host/simple failed: ****");
    expect((error as Error).stack).not.toContain(SECRET);
  });

  it("a successful build with a secret writes it nowhere in the layers and never logs it", async () => {
    const w = world({ files: { "handler.py": "", "requirements.txt": "six\n" }, processEnv: { UV_INDEX: URL, UV_INDEX_FOO_PASSWORD: "hunter22" }, install: { code: 0, output: `Resolved from ${URL} (hunter22)\n` } });
    await build(w.ctx);
    expect(w.log.text()).toContain("      Resolved from https://****@host/simple (****)\n");
    expect(w.log.text()).not.toContain(SECRET);
    expect(w.log.text()).not.toContain("hunter22");
    expect(allFiles(w)).not.toContain(SECRET);
    expect(allFiles(w)).not.toContain("hunter22");
  });
});
