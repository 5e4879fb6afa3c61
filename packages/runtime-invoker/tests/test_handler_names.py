"""PYTHON_HANDLER's forms, from the table the buildpack's tests read too (handler-names.test.ts):
the same verdict, module, function and error text at build and at run time."""

import json
import keyword
from pathlib import Path

import pytest

from kn_fn_invoker._target import InvokerError, Target, parse_target

TABLE = json.loads((Path(__file__).resolve().parents[3] / "spec" / "handler-names.json").read_text(encoding="utf-8"))
VALID = [row for row in TABLE["rows"] if row["valid"]]
INVALID = [row for row in TABLE["rows"] if not row["valid"]]


@pytest.mark.parametrize("row", VALID, ids=[repr(row["value"]) for row in VALID])
def test_valid_values_split_into_module_and_function(row):
    assert parse_target(row["value"]) == Target(row["module"], row["function"])


@pytest.mark.parametrize("row", INVALID, ids=[repr(row["value"]) for row in INVALID])
def test_invalid_values_are_explained_with_the_shared_text(row):
    with pytest.raises(InvokerError) as caught:
        parse_target(row["value"])
    assert caught.value.kind == "handler-format"
    assert caught.value.message == TABLE["message"].replace("{shown}", row.get("shown", row["value"]))


def test_every_keyword_has_a_row():
    # The buildpack keeps its own list of Python's keywords; the table checks it against this one.
    refused = {row["value"] for row in INVALID}
    assert {f"handler.{name}" for name in keyword.kwlist} <= refused
    assert {row["value"] for row in VALID} >= {"match.case", "_.type"}  # soft keywords are names
