// Where uv finds packages: uv's own variables, pip's translated, package-index bindings, and
// every credential collected for redaction.
import { BuildpackError } from "../../src/errors";
import { indexSettings, readIndexBindings, urlCredentials, withCredentials, type IndexBinding } from "../../src/package-index";
import { MemoryFs, thrown } from "./fakes";

const PLATFORM = "/platform";

describe("urlCredentials", () => {
  it("the password of user:password, as written and percent-decoded, never the user name", () => {
    expect(urlCredentials("https://user:s3cr3t-token@host/simple")).toEqual(["s3cr3t-token", "s3cr3t-token"]);
    expect(urlCredentials("https://kn-fn:p%2Fw%40rd@host/simple")).toEqual(["p%2Fw%40rd", "p/w@rd"]);
  });
  it("space-separated URLs and pip-style name=url, a token alone as user", () => {
    expect(urlCredentials("internal=https://ci:p%40ss@a.example/simple http://tok3n@b.example/ https://c.example/simple")).toEqual([
      "p%40ss",
      "p@ss",
      "tok3n",
      "tok3n",
    ]);
  });
  it("a lone token is the secret, percent-decoded too; an empty password is none", () => {
    expect(urlCredentials("https://gh%2Btok@host/simple")).toEqual(["gh%2Btok", "gh+tok"]);
    expect(urlCredentials("https://user:@host/simple https://:pw@other/simple")).toEqual(["pw", "pw"]);
  });
  it("undecodable percent-escapes are kept as written", () => {
    expect(urlCredentials("https://u:100%zz@host/simple")).toEqual(["100%zz", "100%zz"]);
  });
  it("none in a URL without userinfo, or in no URL", () => {
    expect(urlCredentials("https://pypi.org/simple")).toEqual([]);
    expect(urlCredentials("user@host")).toEqual([]);
  });
});

describe("withCredentials", () => {
  it("the URL unchanged without credentials", () => {
    expect(withCredentials("https://host/simple", undefined, undefined)).toBe("https://host/simple");
  });
  it("user and password in the URL, percent-encoded", () => {
    expect(withCredentials("https://host/simple", "ci@corp", "p@ss:w/rd #?%")).toBe("https://ci%40corp:p%40ss%3Aw%2Frd%20%23%3F%25@host/simple");
  });
  it("a user alone, or a password alone", () => {
    expect(withCredentials("https://host/simple", "token", undefined)).toBe("https://token@host/simple");
    expect(withCredentials("https://host/simple", undefined, "pw")).toBe("https://:pw@host/simple");
  });
  it("replaces userinfo already in the URL", () => {
    expect(withCredentials("https://old:x@host/simple", "me", "pw")).toBe("https://me:pw@host/simple");
  });
  it("a URL without a scheme is an error", () => {
    const error = thrown(() => withCredentials("host/simple", "me", "pw"));
    expect(error).toBeInstanceOf(BuildpackError);
    expect(error.kind).toBe("index-binding-invalid");
    expect(error.message).toBe("[Error: package index binding unreadable] a package-index binding's URL must start with a scheme such as https://.");
  });
});

describe("readIndexBindings", () => {
  const binding = (name: string, files: Record<string, string>) =>
    Object.fromEntries(Object.entries(files).map(([file, text]) => [`${PLATFORM}/bindings/${name}/${file}`, text]));

  it("index-url with username and password: the URL carries both, the password in every form is a secret, the user name is not", () => {
    const fs = new MemoryFs(binding("corp", { type: "package-index\n", "index-url": "https://pypi.corp.example/simple\n", username: "ci-bot\n", password: "s3cr3t/+=\n" }));
    const { bindings, secrets } = readIndexBindings(fs, PLATFORM);
    expect(bindings).toEqual([{ name: "corp", indexUrl: "https://ci-bot:s3cr3t%2F%2B%3D@pypi.corp.example/simple", extraIndexUrl: undefined }]);
    expect(new Set(secrets)).toEqual(new Set(["s3cr3t/+=", "s3cr3t%2F%2B%3D"]));
    expect(secrets.filter((s) => s.includes("ci-bot"))).toEqual([]);
  });

  it("a user name that is a common word (kn-fn) is never a secret; the password is", () => {
    const fs = new MemoryFs(binding("corp", { type: "package-index", "extra-index-url": "https://kn-fn.example/simple", username: "kn-fn", password: "hunter22" }));
    const { bindings, secrets } = readIndexBindings(fs, PLATFORM);
    expect(bindings[0]?.extraIndexUrl).toBe("https://kn-fn:hunter22@kn-fn.example/simple");
    expect(new Set(secrets)).toEqual(new Set(["hunter22"]));
    expect(secrets).not.toContain("kn-fn");
  });

  it("a username with no password is a token: it is the secret, raw and percent-encoded", () => {
    const fs = new MemoryFs(binding("corp", { type: "package-index", "index-url": "https://host/simple", username: "ghp_a+b/c" }));
    const { bindings, secrets } = readIndexBindings(fs, PLATFORM);
    expect(bindings[0]?.indexUrl).toBe("https://ghp_a%2Bb%2Fc@host/simple");
    expect(new Set(secrets)).toEqual(new Set(["ghp_a+b/c", "ghp_a%2Bb%2Fc"]));
  });

  it("extra-index-url alone, no credentials (type in any case, with a provider)", () => {
    const fs = new MemoryFs(binding("extra", { type: "Package-Index", provider: "acme", "extra-index-url": "https://extra.example/simple" }));
    expect(readIndexBindings(fs, PLATFORM)).toEqual({ bindings: [{ name: "extra", indexUrl: undefined, extraIndexUrl: "https://extra.example/simple" }], secrets: [] });
  });

  it("an unknown file is an error naming it", () => {
    const fs = new MemoryFs(binding("corp", { type: "package-index", "index-url": "https://h/simple", token: "x", ".hidden": "" }));
    const error = thrown(() => readIndexBindings(fs, PLATFORM));
    expect(error.kind).toBe("index-binding-invalid");
    expect(error.message).toBe(
      "[Error: package index binding unreadable] the package-index binding corp must hold index-url and/or extra-index-url, and optionally username and password; it also has token.",
    );
  });

  it("no URL is an error", () => {
    const fs = new MemoryFs(binding("corp", { type: "package-index", username: "u", password: "p" }));
    expect(thrown(() => readIndexBindings(fs, PLATFORM)).message).toBe(
      "[Error: package index binding unreadable] the package-index binding corp must hold index-url and/or extra-index-url, and optionally username and password.",
    );
  });

  it("other binding types and untyped directories are ignored; no bindings dir is none", () => {
    const fs = new MemoryFs({
      ...binding("proxy", { type: "ca-certificates", "ca.crt": "-----BEGIN CERTIFICATE-----" }),
      ...binding("maven", { type: "maven", "settings.xml": "<settings/>" }),
      ...binding("untyped", { "index-url": "https://h/simple" }),
    });
    expect(readIndexBindings(fs, PLATFORM)).toEqual({ bindings: [], secrets: [] });
    expect(readIndexBindings(new MemoryFs(), PLATFORM)).toEqual({ bindings: [], secrets: [] });
  });
});

describe("indexSettings", () => {
  it.each([["1", true], ["true", true], ["YES", true], ["on", true], ["0", false], ["false", false], ["no", false], ["off", false], ["", false]])(
    "PIP_NO_INDEX=%j: --no-index %s, as pip reads it",
    (value, expected) => {
      const settings = indexSettings({ PIP_NO_INDEX: value }, [], []);
      expect(settings.noIndex).toBe(expected);
      expect(settings.notes).toEqual(expected ? ["PIP_NO_INDEX -> uv --no-index"] : []);
      expect(settings.env).toEqual({});
    },
  );

  it("PIP_INDEX_URL -> UV_DEFAULT_INDEX", () => {
    expect(indexSettings({ PIP_INDEX_URL: "https://mirror.example/simple" }, [], [])).toEqual({
      env: { UV_DEFAULT_INDEX: "https://mirror.example/simple" },
      findLinks: [], noIndex: false,
      notes: ["PIP_INDEX_URL -> UV_DEFAULT_INDEX"],
      secrets: [],
    });
  });

  it("PIP_INDEX_URL ignored when UV_DEFAULT_INDEX or UV_INDEX_URL is set, naming the one set", () => {
    expect(indexSettings({ PIP_INDEX_URL: "https://a/simple", UV_DEFAULT_INDEX: "https://b/simple" }, [], [])).toEqual({
      env: {},
      findLinks: [], noIndex: false,
      notes: ["PIP_INDEX_URL ignored: UV_DEFAULT_INDEX is set"],
      secrets: [],
    });
    expect(indexSettings({ PIP_INDEX_URL: "https://a/simple", UV_INDEX_URL: "https://b/simple" }, [], [])).toEqual({
      env: {},
      findLinks: [], noIndex: false,
      notes: ["PIP_INDEX_URL ignored: UV_INDEX_URL is set"],
      secrets: [],
    });
  });

  it("PIP_EXTRA_INDEX_URL -> UV_INDEX, and the other translated pip variables; PIP_FIND_LINKS becomes --find-links, not an env var", () => {
    const env = {
      PIP_EXTRA_INDEX_URL: "https://a/simple https://b/simple",
      PIP_FIND_LINKS: "/wheels",
      PIP_TRUSTED_HOST: "a",
      PIP_NO_INDEX: "1",
    };
    expect(indexSettings(env, [], [])).toEqual({
      env: { UV_INDEX: "https://a/simple https://b/simple", UV_INSECURE_HOST: "a" },
      findLinks: ["/wheels"],
      // uv has no variable for --no-index: it goes on the command line.
      noIndex: true,
      notes: ["PIP_EXTRA_INDEX_URL -> UV_INDEX", "PIP_TRUSTED_HOST -> UV_INSECURE_HOST", "PIP_FIND_LINKS -> uv --find-links", "PIP_NO_INDEX -> uv --no-index"],
      secrets: [],
    });
  });

  it("an empty pip variable is not translated", () => {
    expect(indexSettings({ PIP_INDEX_URL: "" }, [], [])).toEqual({ env: {}, findLinks: [], noIndex: false, notes: [], secrets: [] });
    expect(indexSettings({ PIP_FIND_LINKS: "" }, [], [])).toEqual({ env: {}, findLinks: [], noIndex: false, notes: [], secrets: [] });
  });

  it("other PIP_* variables are named as not read (sorted), PIP_CERT and PIP_FIND_LINKS are not", () => {
    expect(indexSettings({ PIP_TIMEOUT: "60", PIP_CERT: "/ca.pem", PIP_NO_CACHE_DIR: "1", PIP_FIND_LINKS: "/w" }, [], []).notes).toEqual([
      "PIP_FIND_LINKS -> uv --find-links",
      "not read by uv: PIP_NO_CACHE_DIR, PIP_TIMEOUT",
    ]);
  });

  describe("findLinks", () => {
    it("from PIP_FIND_LINKS, space-separated (any whitespace), in order", () => {
      const settings = indexSettings({ PIP_FIND_LINKS: "  /wheels https://h.example/links/\t/more\n" }, [], []);
      expect(settings.findLinks).toEqual(["/wheels", "https://h.example/links/", "/more"]);
      expect(settings.notes).toEqual(["PIP_FIND_LINKS -> uv --find-links"]);
      expect(settings.env).toEqual({});
    });

    it("from UV_FIND_LINKS, comma-separated and trimmed, in order, with no note and no env", () => {
      const settings = indexSettings({ UV_FIND_LINKS: "/wheels, https://h.example/links/ ,,/more" }, [], []);
      expect(settings.findLinks).toEqual(["/wheels", "https://h.example/links/", "/more"]);
      expect(settings.notes).toEqual([]);
      // Not passed on as an env var: uv ignores it once --find-links is on its command line.
      expect(settings.env).toEqual({});
    });

    it("both set: UV_FIND_LINKS wins, PIP_FIND_LINKS is said to be ignored", () => {
      const settings = indexSettings({ UV_FIND_LINKS: "/uv-a,/uv-b", PIP_FIND_LINKS: "/pip-a /pip-b" }, [], []);
      expect(settings).toEqual({ env: {}, findLinks: ["/uv-a", "/uv-b"], noIndex: false, notes: ["PIP_FIND_LINKS ignored: UV_FIND_LINKS is set"], secrets: [] });
    });

    it("an empty UV_FIND_LINKS does not hide PIP_FIND_LINKS; none set is none", () => {
      expect(indexSettings({ UV_FIND_LINKS: "", PIP_FIND_LINKS: "/pip" }, [], []).findLinks).toEqual(["/pip"]);
      expect(indexSettings({}, [], []).findLinks).toEqual([]);
    });

    it("credentials in find-links URLs are secrets (the password, not the user)", () => {
      expect(indexSettings({ PIP_FIND_LINKS: "https://fl-user:fl-pass@h/links/" }, [], []).secrets).toEqual(["fl-pass"]);
      expect(indexSettings({ UV_FIND_LINKS: "https://uv-tok3n@h/links/" }, [], []).secrets).toEqual(["uv-tok3n"]);
    });
  });

  it("a binding's index-url wins over uv's and pip's", () => {
    const bindings: IndexBinding[] = [{ name: "corp", indexUrl: "https://corp/simple", extraIndexUrl: undefined }];
    expect(indexSettings({ UV_DEFAULT_INDEX: "https://a/simple", PIP_INDEX_URL: "https://p/simple" }, bindings, [])).toEqual({
      env: { UV_DEFAULT_INDEX: "https://corp/simple" },
      findLinks: [], noIndex: false,
      notes: ["PIP_INDEX_URL ignored: UV_DEFAULT_INDEX is set", "binding corp: index-url -> UV_DEFAULT_INDEX"],
      secrets: [],
    });
  });

  it("a binding's extra-index-url is prepended to UV_INDEX (from the env or from pip's)", () => {
    const bindings: IndexBinding[] = [{ name: "extra", indexUrl: undefined, extraIndexUrl: "https://y/simple" }];
    expect(indexSettings({ UV_INDEX: "https://x/simple" }, bindings, []).env).toEqual({ UV_INDEX: "https://y/simple https://x/simple" });
    expect(indexSettings({ PIP_EXTRA_INDEX_URL: "https://p/simple" }, bindings, []).env).toEqual({ UV_INDEX: "https://y/simple https://p/simple" });
    expect(indexSettings({}, bindings, [])).toEqual({ env: { UV_INDEX: "https://y/simple" }, findLinks: [], noIndex: false, notes: ["binding extra: extra-index-url -> UV_INDEX"], secrets: [] });
  });

  it("secrets: the bindings', URL passwords/tokens of uv's and pip's URL variables, and credential variables' values", () => {
    const env = {
      UV_INDEX: "internal=https://user:s3cr3t-token@host/simple",
      PIP_INDEX_URL: "https://pipuser:pip-pass@mirror/simple",
      UV_INDEX_INTERNAL_USERNAME: "bob",
      UV_INDEX_FOO_PASSWORD: "hunter22",
      UV_HTTP_BASIC_X: "not-a-credential-name",
      UV_INDEX_FOO_PASSWORD_FILE: "/not/a/password",
      GITHUB_TOKEN: "ghp_abc",
      UV_INDEX_EMPTY_PASSWORD: "",
      HOME: "/home/cnb",
    };
    const { secrets, env: out } = indexSettings(env, [], ["from-binding"]);
    expect(out).toEqual({ UV_DEFAULT_INDEX: "https://pipuser:pip-pass@mirror/simple" });
    // No user name (pipuser, user, bob) and nothing from a variable not named as a credential.
    expect(secrets).toEqual(["from-binding", "pip-pass", "s3cr3t-token", "hunter22", "ghp_abc"]);
  });

  it("a user name in a URL is never a secret, even in a URL variable, while its password is", () => {
    const { secrets } = indexSettings({ UV_DEFAULT_INDEX: "https://kn-fn:pw-123@host/simple", UV_INDEX_KN_FN_USERNAME: "kn-fn" }, [], []);
    expect(secrets).toEqual(["pw-123"]);
  });

  it("the build's own UV_DEFAULT_INDEX credentials stay secrets when a binding replaces it", () => {
    const bindings: IndexBinding[] = [{ name: "corp", indexUrl: "https://bu:bp@corp/simple", extraIndexUrl: undefined }];
    const { secrets } = indexSettings({ UV_DEFAULT_INDEX: "https://envuser:env-pass@old/simple" }, bindings, []);
    expect(secrets).toEqual(["bp", "env-pass"]);
  });

  it("the binding secrets are deduplicated", () => {
    expect(indexSettings({}, [], ["a1b", "a1b"]).secrets).toEqual(["a1b"]);
  });
});
