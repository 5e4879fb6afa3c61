"""The CloudEvents conformance tool (github.com/cloudevents/conformance, `cloudevents`).

`cloudevents invoke URL -f events.yaml` sends each YAML document as one event and fails
(exit 1) on a non-2xx answer, but never shows the reply. So, besides its exit code, the
test proves the server handled each event from what the function recorded, and reads the
requests the tool printed (-v) to prove which content mode it used.

The tool's YAML (pkg/event/event.go, v0.4.1): one document per event,
  Mode: binary | structured          (empty = binary)
  ContextAttributes: {specversion, type, time, id, source, subject, dataschema,
                      datacontenttype, Extensions: {name: value}}   (lower-case keys)
  TransportExtensions: {Header-Name: value}
  Data: the body text (structured mode embeds it as JSON, so it must be JSON there)
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.server


def conformance_tool() -> Path:
    explicit = os.environ.get("KN_FN_CONFORMANCE")
    if explicit:
        candidates = [Path(explicit)]
    else:
        cache = os.environ.get("KN_FN_CACHE")
        candidates = ([Path(cache) / "bin" / "cloudevents"] if cache else []) + [
            Path.home() / ".cache" / "kn-fn" / "bin" / "cloudevents"
        ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        "the CloudEvents conformance tool is missing (looked at "
        + ", ".join(str(c) for c in candidates)
        + "); scripts/setup.sh builds it into $KN_FN_CACHE/bin/cloudevents "
        "(go install github.com/cloudevents/conformance/cmd/cloudevents@v0.4.1), "
        "or point KN_FN_CONFORMANCE at one"
    )


def _events_yaml(ids: dict[str, str]) -> str:
    return f"""\
# binary mode, JSON data, with an extension
Mode: binary
ContextAttributes:
  specversion: "1.0"
  type: dev.kn-fn.test.conformance
  time: "2020-01-02T03:04:05Z"
  id: {ids["binary"]}
  source: urn:kn-fn:test:conformance
  datacontenttype: application/json
  Extensions:
    knfnmode: binary
TransportExtensions:
  User-Agent: kn-fn-conformance-test
Data: |
  {{"tool": "conformance", "mode": "binary", "n": [1, 2]}}
---
# structured mode, JSON data
Mode: structured
ContextAttributes:
  specversion: "1.0"
  type: dev.kn-fn.test.conformance
  time: "2020-01-02T03:04:05Z"
  id: {ids["structured"]}
  source: urn:kn-fn:test:conformance
  subject: order-7
  datacontenttype: application/json
  Extensions:
    knfnmode: structured
Data: |
  {{"tool": "conformance", "mode": "structured", "n": [3, 4]}}
---
# binary mode, text data (Mode omitted: the tool's default is binary)
ContextAttributes:
  specversion: "1.0"
  type: dev.kn-fn.test.conformance
  id: {ids["text"]}
  source: urn:kn-fn:test:conformance
  datacontenttype: text/plain; charset=utf-8
Data: "Hello, 🌎!"
"""


def _run(tool: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=30)


def test_conformance_tool_invoke_binary_and_structured(reply_server, received, tmp_path: Path):
    tool = conformance_tool()
    ids = {name: f"conf-{name}-{uuid.uuid4()}" for name in ("binary", "structured", "text")}
    events = tmp_path / "events.yaml"
    events.write_text(_events_yaml(ids), encoding="utf-8")

    run = _run(tool, "invoke", reply_server.url + "/", "-f", str(events), "-v")
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"

    # What the tool sent (-v dumps each request to stdout): the two content modes.
    dumped = run.stdout
    assert f"Ce-Id: {ids['binary']}" in dumped
    assert "Ce-Knfnmode: binary" in dumped
    assert "Content-Type: application/cloudevents+json" in dumped
    assert f'"id":"{ids["structured"]}"' in dumped

    # What the server's function received, one record per event.
    seen = {event["attributes"]["id"]: event for event in received(reply_server)}
    binary, structured, text = (seen.get(ids[name]) for name in ("binary", "structured", "text"))
    assert binary is not None and structured is not None and text is not None, sorted(seen)

    assert binary["attributes"]["knfnmode"] == "binary"
    assert binary["attributes"]["type"] == "dev.kn-fn.test.conformance"
    assert binary["attributes"]["source"] == "urn:kn-fn:test:conformance"
    assert binary["attributes"]["time"] == "2020-01-02T03:04:05Z"
    assert binary["data"] == {"tool": "conformance", "mode": "binary", "n": [1, 2]}

    assert structured["attributes"]["knfnmode"] == "structured"
    assert structured["attributes"]["subject"] == "order-7"
    assert structured["data"] == {"tool": "conformance", "mode": "structured", "n": [3, 4]}

    assert text["attributes"]["datacontenttype"] == "text/plain; charset=utf-8"
    assert text["data"] == "Hello, 🌎!"


def test_conformance_tool_send_and_its_failure_path(reply_server, received, tmp_path: Path):
    tool = conformance_tool()
    sent_id = f"conf-send-{uuid.uuid4()}"
    run = _run(
        tool, "send", reply_server.url + "/", "--id", sent_id, "--source", "urn:kn-fn:test:conformance",
        "--type", "dev.kn-fn.test.send", "--mode", "structured", "--datacontenttype", "application/json",
        "--extension", "knfnmode=send", "--data", '{"via": "send"}',
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    seen = {event["attributes"]["id"]: event for event in received(reply_server)}
    assert seen[sent_id]["attributes"]["knfnmode"] == "send"
    assert seen[sent_id]["data"] == {"via": "send"}

    # The tool's exit code means something here: an event without a source is refused
    # with 400 (not retried by a broker) and the tool says so.
    bad_id = f"conf-bad-{uuid.uuid4()}"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f'ContextAttributes:\n  specversion: "1.0"\n  type: dev.kn-fn.test.bad\n  id: {bad_id}\nData: "{{}}"\n',
        encoding="utf-8",
    )
    refused = _run(tool, "invoke", reply_server.url + "/", "-f", str(bad))
    assert refused.returncode != 0
    assert "400" in refused.stderr, refused.stderr
    assert bad_id not in [event["attributes"]["id"] for event in received(reply_server)]
