// ca-certificates bindings: which bindings count, the bundle uv gets, and the build's use of it.
import { caBundle, caCertificateBindings, pipCaEnvironment, SYSTEM_CA_BUNDLE } from "../../src/bindings";
import { build, CA_BUNDLE_FILE } from "../../src/build";
import { BuildpackError } from "../../src/errors";
import { MemoryFs } from "./fakes";
import { PLATFORM, UV, world } from "./world";

const PEM = (n: number) => `-----BEGIN CERTIFICATE-----\nMII${n}\n-----END CERTIFICATE-----\n`;

describe("caCertificateBindings", () => {
  test("only bindings whose type file says ca-certificates, each with its certificate files sorted", () => {
    const fs = new MemoryFs({
      [`${PLATFORM}/bindings/proxy/type`]: "ca-certificates\n",
      [`${PLATFORM}/bindings/proxy/provider`]: "acme",
      [`${PLATFORM}/bindings/proxy/b.pem`]: PEM(2),
      [`${PLATFORM}/bindings/proxy/a.crt`]: PEM(1),
      [`${PLATFORM}/bindings/maven/type`]: "maven",
      [`${PLATFORM}/bindings/maven/settings.xml`]: "<settings/>",
      [`${PLATFORM}/bindings/untyped/ca.pem`]: PEM(3),
    });
    expect(caCertificateBindings(fs, PLATFORM)).toEqual([
      { name: "proxy", files: [`${PLATFORM}/bindings/proxy/a.crt`, `${PLATFORM}/bindings/proxy/b.pem`] },
    ]);
  });

  test("no bindings directory: none", () => {
    expect(caCertificateBindings(new MemoryFs(), PLATFORM)).toEqual([]);
  });
});

describe("caBundle", () => {
  test("the system bundle first, then every bound file", () => {
    expect(caBundle(PEM(0), [{ file: "/b/a.crt", text: PEM(1) }])).toBe(`${PEM(0)}${PEM(1)}`);
  });

  test("a bound file without a PEM certificate fails with its path", () => {
    const fail = () => caBundle(PEM(0), [{ file: "/platform/bindings/proxy/notes.txt", text: "hello" }]);
    expect(fail).toThrow(BuildpackError);
    expect(fail).toThrow(
      '[Error: CA certificate binding unreadable] /platform/bindings/proxy/notes.txt is in a binding of type ca-certificates but holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line). Put only PEM certificates in the binding (besides its type file), or remove the file.',
    );
  });
});

describe("pipCaEnvironment", () => {
  test("writes system + bound certificates outside the layers and points pip at them", () => {
    const fs = new MemoryFs({ [SYSTEM_CA_BUNDLE]: PEM(0), [`${PLATFORM}/bindings/proxy/type`]: "ca-certificates", [`${PLATFORM}/bindings/proxy/ca.crt`]: PEM(1) });
    const { env } = pipCaEnvironment(fs, PLATFORM, "/tmp/x/bundle.pem");
    expect(env).toEqual({ PIP_CERT: "/tmp/x/bundle.pem", SSL_CERT_FILE: "/tmp/x/bundle.pem" });
    expect(fs.readFile("/tmp/x/bundle.pem").toString()).toBe(`${PEM(0)}${PEM(1)}`);
  });

  test("without a binding pip keeps its own CA list and nothing is written", () => {
    const fs = new MemoryFs({ [SYSTEM_CA_BUNDLE]: PEM(0) });
    expect(pipCaEnvironment(fs, PLATFORM, "/tmp/x/bundle.pem").env).toEqual({});
    expect(fs.kind("/tmp/x/bundle.pem")).toBeUndefined();
  });
});

describe("build with a ca-certificates binding", () => {
  test("says so, and uv runs with SSL_CERT_FILE pointing at the combined bundle", async () => {
    const w = world({ files: { "handler.py": "def handler(req):\n    return 'hi'\n", "requirements.txt": "idna==3.20\n" } });
    w.fs.writeFile(`${PLATFORM}/bindings/proxy/type`, "ca-certificates");
    w.fs.writeFile(`${PLATFORM}/bindings/proxy/ca.crt`, PEM(1));
    await build(w.ctx);
    expect(w.log.text()).toContain("  uv trusts 1 extra CA certificate file from the ca-certificates binding proxy\n");
    const install = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "pip" && c.argv[2] === "install");
    // uv reads SSL_CERT_FILE; the venv step gets the same environment.
    expect(install?.options.env?.SSL_CERT_FILE).toBe(CA_BUNDLE_FILE);
    const venv = w.runner.calls.find((c) => c.argv[0] === UV && c.argv[1] === "venv");
    expect(venv?.options.env?.SSL_CERT_FILE).toBe(CA_BUNDLE_FILE);
    expect(w.fs.readFile(CA_BUNDLE_FILE).toString()).toContain("MII1");
  });
});
