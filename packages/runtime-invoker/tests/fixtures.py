"""Shared by the test-client tests: where fixture functions live, and event builders."""

from pathlib import Path

FUNCTIONS = Path(__file__).parent / "functions"


def binary_headers(**attributes) -> dict[str, str]:
    headers = {"ce-specversion": "1.0", "ce-id": "req-1", "ce-source": "/test", "ce-type": "com.example.test"}
    headers.update({f"ce-{name}": value for name, value in attributes.items()})
    return headers


def structured(**attributes) -> dict:
    event = {"specversion": "1.0", "id": "req-1", "source": "/test", "type": "com.example.test"}
    event.update(attributes)
    return event
