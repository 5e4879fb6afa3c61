import { packageBuildpack } from "../../src/buildpack/package";
import { buildpackDir, requireToolchain, scratchDir, sh } from "./helpers";

jest.setTimeout(120_000);

test("pack reads the real buildpack's .cnb: id, version, name, order; two runs give the same sha256", async () => {
  requireToolchain();
  const a = await packageBuildpack(buildpackDir, scratchDir("cnb-"));
  const b = await packageBuildpack(buildpackDir, scratchDir("cnb-"));
  expect(b.digest).toBe(a.digest);
  const out = sh("pack", ["buildpack", "inspect", a.file]);
  expect(out).toMatch(/kn-fn\/python-function\s+kn-fn Python function\s+0\.1\.0/);
  expect(out).toContain("└ kn-fn/python-function@0.1.0");
});
