// PYTHON_HANDLER's forms, from the table the invoker's tests read too (test_handler_names.py):
// the same verdict, module, function and error text at build and at run time.
import * as fs from "node:fs";
import * as path from "node:path";
import { BuildpackError } from "../../src/errors";
import { parseHandler, resolveFunctionTarget } from "../../src/function-target";
import { MemoryFs } from "./fakes";

interface Row {
  value: string;
  valid: boolean;
  module?: string;
  function?: string;
  shown?: string;
  note?: string;
}

const TABLE: { message: string; rows: Row[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "..", "..", "spec", "handler-names.json"), "utf8"),
);
const valid = TABLE.rows.filter((row) => row.valid);
const invalid = TABLE.rows.filter((row) => !row.valid);

describe("spec/handler-names.json", () => {
  it.each(valid.map((row) => [JSON.stringify(row.value), row] as const))("%s is valid", (_, row) => {
    expect(parseHandler(row.value)).toEqual({ module: row.module, functionName: row.function });
  });

  it.each(invalid.map((row) => [JSON.stringify(row.value), row] as const))("%s is refused with the shared text", (_, row) => {
    expect(parseHandler(row.value)).toBeUndefined();
    let error: unknown;
    try {
      resolveFunctionTarget(new MemoryFs(), "/app", { value: row.value, source: "PYTHON_HANDLER" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildpackError);
    expect((error as BuildpackError).kind).toBe("handler-format");
    expect((error as BuildpackError).message).toBe(TABLE.message.replace("{shown}", row.shown ?? row.value));
  });
});
