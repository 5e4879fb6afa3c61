"""The `event` a function receives: the SDK 2.x event with the classic SDK's access added.

Functions written for functions-framework's `@cloudevent`, for the CloudEvents SDK 1.x and
for this project's predecessor read `event["type"]`, `event.get("subject")`, `event.data` and
iterate over attribute names (`cloudevents.v1.abstract.CloudEvent`); the 2.x classes have only
getters, so `event["id"]` raised TypeError. A subclass keeps both APIs on one object and
`isinstance(event, cloudevents.core.v1.event.CloudEvent)` true.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.v03.event import CloudEvent as CloudEvent03
from cloudevents.core.v1.event import CloudEvent as CloudEvent10
from dateutil.parser import isoparse


def rfc3339(time: datetime) -> str:
    text = time.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class _ClassicAccess:
    """Attributes as a mutable mapping and data as `.data`, as in the classic SDK.

    The mapping gives `time` as RFC 3339 text, as the classic SDK and the `attributes`
    parameter do; `get_time()` and `get_attributes()` keep the 2.x `datetime`. It reads and
    writes the 2.x event's own state (`_attributes`, `_data`), so both APIs always agree.
    """

    _attributes: dict[str, Any]
    _data: Any

    def __getitem__(self, name: str) -> Any:
        value = self._attributes[name]
        return rfc3339(value) if name == "time" and isinstance(value, datetime) else value

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self._attributes else default

    def __setitem__(self, name: str, value: Any) -> None:
        # Stored as 2.x stores it, so get_time() stays a datetime.
        self._attributes[name] = isoparse(value) if name == "time" and isinstance(value, str) else value

    def __delitem__(self, name: str) -> None:
        del self._attributes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._attributes)

    def __len__(self) -> int:
        return len(self._attributes)

    def __contains__(self, name: object) -> bool:
        return name in self._attributes

    @property
    def data(self) -> Any:
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value

    def __copy__(self) -> _ClassicAccess:
        # Its own attributes, so changing the copy leaves the original as it was.
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied._attributes = dict(self._attributes)
        return copied

    def __repr__(self) -> str:
        shown = {"attributes": self._attributes, "data": self._data}
        return f"{type(self).__name__}({shown!r})"


class Event(_ClassicAccess, CloudEvent10):
    """A CloudEvents 1.0 event as a function receives it."""


class Event03(_ClassicAccess, CloudEvent03):
    """A CloudEvents 0.3 event as a function receives it."""


_CLASSES: dict[str, type[Event] | type[Event03]] = {"1.0": Event, "0.3": Event03}


def for_function(event: BaseCloudEvent) -> Event | Event03:
    """The function's own copy of a request's event: what it changes, the invoker never reads."""
    return _CLASSES[event.get_specversion()](dict(event.get_attributes()), event.get_data())
