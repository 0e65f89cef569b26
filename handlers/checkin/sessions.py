"""Today's sessions per class, cached in memory for the check-in hot path.

900 trainees checking in within a minute all ask "which session is open now?" of the same
few rows. The cache holds each class's sessions within a day of the moment they were read,
for a few minutes of the bot's clock. It can be stale (a re-import in another process), so:

- a negative answer is never trusted: no open session in the cache means read again;
- a check-in is written only if the session row still has the cached times, class settings
  and no cancellation (storage.attendance.record_checkin checks that in the same INSERT);
  when it does not, the class's entry is dropped and the fresh row is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from storage import sessions
from storage.db import Database
from storage.sessions import Session

TTL = timedelta(minutes=5)
# Check-in opens at most this long before a start and a session closes at most this long
# after its end; the exact windows come from each class's settings (bot/rules/attendance.py).
NEAR = timedelta(days=1)

_CACHES: WeakKeyDictionary[Database, dict[int, tuple[datetime, list[Session]]]] = (
    WeakKeyDictionary()
)


async def of_classes(
    db: Database, class_ids: Iterable[int], now: datetime, *, fresh: bool = False
) -> list[Session]:
    """The sessions within a day of now of these classes, by start."""
    cache = _CACHES.setdefault(db, {})
    found: list[Session] = []
    for class_id in class_ids:
        entry = cache.get(class_id)
        if fresh or entry is None or abs(now - entry[0]) > TTL:
            entry = (now, await sessions.of_class_around(db, class_id, now - NEAR, now + NEAR))
            cache[class_id] = entry
        found.extend(entry[1])
    found.sort(key=lambda s: (s.starts_at, s.id))
    return found


def forget(db: Database, class_id: int) -> None:
    """Drop a class's entry (its cached rows turned out stale)."""
    _CACHES.get(db, {}).pop(class_id, None)
