"""Real CloudEvents clients against a running function.

- the Python SDK (cloudevents 2.2, `cloudevents.core`): encodes the request, decodes the reply;
- the JavaScript SDK (npm cloudevents 10) through e2e/js/roundtrip.mjs;
- the CloudEvents conformance tool (`cloudevents invoke`), which only checks for 2xx.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cloudevents.core.bindings import http as ce_http
from cloudevents.core.v1.event import CloudEvent

from harness.container import Function, Reply
from harness.shell import run

JS_ROUNDTRIP = Path(__file__).resolve().parents[1] / "js" / "roundtrip.mjs"


def event(type: str, source: str, data: Any, **extra: Any) -> CloudEvent:
    attributes = {
        "id": f"e2e-{uuid.uuid4()}",
        "source": source,
        "type": type,
        "datacontenttype": "application/json",
        "time": datetime.now(timezone.utc),
        **extra,
    }
    return CloudEvent(attributes=attributes, data=data)


def send(fn: Function, ev: CloudEvent, mode: str = "binary") -> tuple[Reply, CloudEvent | None]:
    """POST the event in `mode` with the Python SDK; the reply (if any) decoded by the SDK."""
    message = ce_http.to_binary_event(ev) if mode == "binary" else ce_http.to_structured_event(ev)
    reply = fn.post("/", body=message.body, headers=dict(message.headers))
    parsed = None
    if reply.status == 200 and reply.body:
        parsed = ce_http.from_http_event(ce_http.HTTPMessage(headers=reply.headers, body=reply.body))
    return reply, parsed


def js_roundtrip(fn: Function, attributes: dict[str, Any]) -> list[dict[str, Any]]:
    """Binary then structured, with the JS SDK; one result dict per mode."""
    done = run(["node", JS_ROUNDTRIP, fn.url, json.dumps(attributes)], timeout=60)
    assert done.returncode == 0, done.stdout
    return json.loads(done.stdout.strip().splitlines()[-1])["results"]


def conformance_tool() -> Path:
    explicit = os.environ.get("KN_FN_CONFORMANCE")
    tool = Path(explicit) if explicit else Path(os.environ.get("KN_FN_CACHE", Path.home() / ".cache/kn-fn")) / "bin" / "cloudevents"
    assert tool.exists(), f"{tool} is missing: scripts/setup.sh builds the CloudEvents conformance tool"
    return tool


def conformance_yaml(type: str, source: str, data: Any) -> str:
    """One event in binary mode and one in structured mode, in the tool's YAML format."""
    docs = []
    for mode in ("binary", "structured"):
        docs.append(
            f"Mode: {mode}\n"
            "ContextAttributes:\n"
            '  specversion: "1.0"\n'
            f"  type: {type}\n"
            f"  id: conformance-{mode}-{uuid.uuid4()}\n"
            f"  source: {source}\n"
            "  datacontenttype: application/json\n"
            f"Data: '{json.dumps(data)}'\n"
        )
    return "---\n".join(docs)


def conformance_invoke(fn: Function, yaml_text: str, tmp_path: Path):
    events = tmp_path / "events.yaml"
    events.write_text(yaml_text, encoding="utf-8")
    return run([conformance_tool(), "invoke", fn.url, "-f", events, "-v"], timeout=60)

