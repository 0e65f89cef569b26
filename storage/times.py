"""How times are written to and read from the database: UTC ISO-8601 text."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    """Write an aware datetime as UTC text that sorts in time order."""
    if moment.tzinfo is None:
        raise ValueError("refusing to store a naive datetime: its zone would be a guess")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    """Read a time written by to_db."""
    return datetime.fromisoformat(text)
