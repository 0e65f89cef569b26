"""Copies of Bot API data (JSON-shaped: dicts, lists, strings, numbers) for the double.

The double hands out and keeps copies so that a test can never change what "Telegram"
stored by mutating what it got back. ``copy.deepcopy`` did that at 19 µs a message, a
quarter of the double's cost per reply in benchmarks/bench_checkin.py; walking the JSON
shapes directly costs 4 µs, and anything else still goes through deepcopy.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

T = TypeVar("T")

_IMMUTABLE = (str, int, float, bool, bytes, type(None))


def clone(value: T) -> T:
    """A deep copy of JSON-shaped data."""
    return _clone(value)  # type: ignore[no-any-return]


def _clone(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _clone(item) for key, item in value.items()}
    if kind is list:
        return [_clone(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    if kind is tuple:
        return tuple(_clone(item) for item in value)
    return copy.deepcopy(value)
