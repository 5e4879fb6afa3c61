"""The Knative manifests a template ships, read with PyYAML and checked for the shape Knative needs.

`service(path)` and `trigger(path)` fail (AssertionError naming the file and the key) when a
manifest is not a serving.knative.dev/v1 Service or an eventing.knative.dev/v1 Trigger with
the fields a template relies on, and return the few values the tests compare across files.
`Trigger.matches(attributes)` is the broker's filter rule, so a test can ask whether an
event (e.g. the function's reply) would be delivered to the function again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVICE_API = "serving.knative.dev/v1"
TRIGGER_API = "eventing.knative.dev/v1"


@dataclass(frozen=True)
class Service:
    name: str
    image: str
    readiness: dict[str, Any] | None = None  # the container's readinessProbe, if it declares one


@dataclass(frozen=True)
class Trigger:
    name: str
    broker: str
    filter: dict[str, str]  # spec.filter.attributes
    subscriber: dict[str, Any]  # spec.subscriber.ref

    def matches(self, attributes: dict[str, Any]) -> bool:
        """Knative's attribute filter: every filter attribute equals the event's (exact match).

        https://knative.dev/docs/eventing/triggers/#trigger-filtering
        """
        return all(str(attributes.get(name)) == value for name, value in self.filter.items())


def load(path: Path | str) -> dict[str, Any]:
    """The one YAML document in `path` (a template ships one object per file)."""
    docs = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d is not None]
    assert len(docs) == 1, f"{path}: expected one YAML document, found {len(docs)}"
    assert isinstance(docs[0], dict), f"{path}: expected a mapping, found {type(docs[0]).__name__}"
    return docs[0]


def _get(doc: Any, path: Path | str, keys: str) -> Any:
    """doc["a"]["b"][0]... for keys "a.b.0", failing with the key path when something is missing."""
    value = doc
    walked = []
    for key in keys.split("."):
        walked.append(key)
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            raise AssertionError(f"{path}: {'.'.join(walked)} is missing")
    return value


def service(path: Path | str) -> Service:
    doc = load(path)
    assert doc.get("apiVersion") == SERVICE_API, f"{path}: apiVersion is {doc.get('apiVersion')!r}, expected {SERVICE_API}"
    assert doc.get("kind") == "Service", f"{path}: kind is {doc.get('kind')!r}, expected Service"
    containers = _get(doc, path, "spec.template.spec.containers")
    # Knative Serving runs exactly one serving container per revision (sidecars aside).
    assert isinstance(containers, list) and len(containers) == 1, f"{path}: expected one container, found {containers!r}"
    return Service(name=_get(doc, path, "metadata.name"), image=_get(doc, path, "spec.template.spec.containers.0.image"),
                   readiness=containers[0].get("readinessProbe"))


def trigger(path: Path | str) -> Trigger:
    doc = load(path)
    assert doc.get("apiVersion") == TRIGGER_API, f"{path}: apiVersion is {doc.get('apiVersion')!r}, expected {TRIGGER_API}"
    assert doc.get("kind") == "Trigger", f"{path}: kind is {doc.get('kind')!r}, expected Trigger"
    attributes = _get(doc, path, "spec.filter.attributes")
    assert isinstance(attributes, dict) and attributes, f"{path}: spec.filter.attributes must be a non-empty mapping"
    ref = _get(doc, path, "spec.subscriber.ref")
    for key in ("apiVersion", "kind", "name"):
        _get(doc, path, f"spec.subscriber.ref.{key}")
    return Trigger(
        name=_get(doc, path, "metadata.name"),
        broker=_get(doc, path, "spec.broker"),
        filter={str(k): str(v) for k, v in attributes.items()},
        subscriber=dict(ref),
    )
