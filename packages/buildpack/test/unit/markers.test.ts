import { evaluateMarker, markerEnvironment } from "../../src/markers";
import { exactPins } from "../../src/requirements";

const py311 = markerEnvironment("3.11.2");

describe("evaluateMarker", () => {
  it.each([
    ['python_version >= "3.11"', true],
    ['python_version < "3.11"', false],
    ['python_version >= "3.9" and python_version < "3.14"', true],
    ['python_version >= "3.12" or sys_platform == "linux"', true],
    ['python_version >= "3.12" or sys_platform == "win32"', false],
    ['(python_version < "3.10" or python_version >= "3.11") and platform_machine == "x86_64"', true],
    ['python_full_version == "3.11.2"', true],
    ['python_version == "3.11"', true],
    ['python_version > "3.9"', true], // versions compare as versions, not strings ("3.11" < "3.9" as text)
    ['sys_platform != "darwin"', true],
    ["platform_system == 'Windows'", false],
    ['"linux" in sys_platform', true],
    ['implementation_name == "pypy"', false],
    ['python_version < "3.8" and extra == "dev"', false], // false whatever the unreadable part is
  ])("%s -> %s on CPython 3.11.2, linux x86_64", (marker, expected) => {
    expect(evaluateMarker(marker, py311)).toBe(expected);
  });

  it.each([
    'extra == "dev"',
    'platform_release >= "6"',
    'python_version >= "3.11" and',
    'python_version >= ("3.11"',
    "",
    'python_version ~= "3.11"',
  ])("%j cannot be read here: undefined (left to uv)", (marker) => {
    expect(evaluateMarker(marker, py311)).toBeUndefined();
  });
});

describe("exactPins with an environment", () => {
  it("keeps the pins whose marker holds, drops the others and the unreadable ones", () => {
    const content = [
      'flask==2.2.5 ; python_version < "3.9" \\',
      "    --hash=sha256:aa",
      'flask==3.1.3 ; python_version >= "3.9" \\',
      "    --hash=sha256:bb",
      'colorama==0.4.6 ; sys_platform == "win32"',
      'pytest==8.3.3 ; extra == "dev"',
      "six==1.17.0",
    ].join("\n");
    expect(exactPins(content, py311)).toEqual(new Map([["flask", ["3.1.3"]], ["six", ["1.17.0"]]]));
    // Without an environment every pin counts (as before).
    expect(exactPins(content).get("flask")).toEqual(["2.2.5", "3.1.3"]);
  });
});
