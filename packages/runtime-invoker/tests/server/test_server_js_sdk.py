"""The JavaScript CloudEvents SDK (npm cloudevents 10) against the real server.

tests/interop/js/roundtrip.mjs encodes with HTTP.binary / HTTP.structured, sends with node's
fetch (so the status code is visible; the SDK's httpTransport hides it), decodes each reply
with HTTP.toEvent, and prints what it saw as JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

PACKAGE = Path(__file__).resolve().parents[2]  # packages/runtime-invoker
SCRIPT = PACKAGE / "tests" / "interop" / "js" / "roundtrip.mjs"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the JS SDK interop test needs Node.js (>= 20, for fetch)")
    sdk = PACKAGE / "node_modules" / "cloudevents" / "package.json"
    if not sdk.is_file():
        pytest.fail(f"{sdk} is missing: run `pnpm install` at the repository root (scripts/setup.sh does)")
    assert json.loads(sdk.read_text())["version"].startswith("10."), "expected npm cloudevents 10.x"
    return node


def test_js_sdk_binary_and_structured_round_trip(reply_server, received):
    node = _node()
    started = datetime.now(timezone.utc)
    run = subprocess.run([node, str(SCRIPT), reply_server.url + "/"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    output = json.loads(run.stdout)
    results = {result["mode"]: result for result in output["results"]}
    assert set(results) == {"binary", "structured"}

    # The SDK really used the two modes on the way in...
    assert results["binary"]["sentHeaders"]["ce-id"] == results["binary"]["sentId"]
    assert results["structured"]["sentHeaders"]["content-type"].startswith("application/cloudevents+json")

    for mode, result in results.items():
        assert result["status"] == 200, (mode, result["body"])
        assert "parseError" not in result, result["parseError"]
        reply = result["reply"]
        # ...and the replies come back in the same mode.
        if mode == "binary":
            assert result["headers"]["ce-id"] == reply["id"]
            assert result["headers"]["content-type"].startswith("application/json")
        else:
            assert result["headers"]["content-type"].startswith("application/cloudevents+json")
            assert not [name for name in result["headers"] if name.startswith("ce-")]
        assert reply["specversion"] == "1.0"
        assert reply["id"] and reply["id"] != result["sentId"]
        assert reply["source"] == "urn:kn-fn:test:reply-source"
        assert reply["type"] == "dev.kn-fn.test.reply"
        time = datetime.fromisoformat(reply["time"].replace("Z", "+00:00"))
        assert started - timedelta(seconds=5) <= time <= datetime.now(timezone.utc) + timedelta(seconds=5), reply["time"]
        assert reply["datacontenttype"].startswith("application/json")
        assert reply["data"] == {
            "received_id": result["sentId"],
            "received_type": "dev.kn-fn.test.request",
            "received_specversion": "1.0",
            "echo": {"sdk": "javascript", "mode": mode, "list": [1, 2, 3]},
        }

    seen = {event["attributes"]["id"]: event for event in received(reply_server)}
    for result in results.values():
        assert seen[result["sentId"]]["attributes"]["time"] == "2020-01-02T03:04:05Z"
