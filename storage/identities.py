"""Who is speaking, kept in memory and corrected by the log of whose identity changed.

The identity step asks this for every update; reading it from the database costs a hop to
SQLite's thread and a three-table join each time (a fifth of a check-in's cost). The cache
holds every bound person's ``Identity`` (read in one go the first time), by Telegram
account, and the ``seq`` of the last change it has applied from ``identity_changes``: the
log that triggers append to on every change to people, memberships and classes (migration
0007), whatever process makes it, the CLI's import included.

Every lookup first peeks at the log's last ``seq`` (a point read in the event loop's
thread, a few microseconds). If it moved, the people it names are read again (a class's
change, or a log that was pruned past us, reads everyone again) before anything is
answered. So an answer from here is exactly as fresh as a read made at that moment: a
Telegram account absent from a complete cache is bound to no one.
"""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

from storage.classes import Identity, identities_of, identity_of
from storage.db import Database

_LAST_CHANGE = "SELECT max(seq) FROM identity_changes"
NOBODY = Identity(None, (), False)


class _Cache:
    def __init__(self) -> None:
        self.seq: int | None = None  # the last change applied; None: nothing loaded
        self.by_user: dict[int, Identity] = {}
        self.user_of: dict[int, int] = {}  # person id -> their Telegram account
        self.lock = asyncio.Lock()

    def put(self, found: dict[int, Identity]) -> None:
        for user_id, identity in found.items():
            assert identity.person is not None
            self.by_user[user_id] = identity
            self.user_of[identity.person.id] = user_id

    def drop(self, person_id: int) -> None:
        user_id = self.user_of.pop(person_id, None)
        if user_id is not None:
            self.by_user.pop(user_id, None)


_CACHES: WeakKeyDictionary[Database, _Cache] = WeakKeyDictionary()


def last_change(db: Database) -> int | None:
    """The ``seq`` of the last identity change committed; None if it cannot be told now."""
    value = db.peek(_LAST_CHANGE)
    return None if value is None else int(value)


async def identity(db: Database, telegram_user_id: int) -> Identity:
    """The person bound to a Telegram account, their active classes and roles, as
    ``classes.identity_of`` would read them now; from memory while nobody's changed."""
    cache = _CACHES.get(db)
    if cache is None:
        cache = _CACHES[db] = _Cache()
    top = last_change(db)
    if top is None:  # the file is busy: ask the database itself
        return await identity_of(db, telegram_user_id)
    if top != cache.seq:
        async with cache.lock:
            if top != cache.seq:
                await _catch_up(db, cache, top)
    return cache.by_user.get(telegram_user_id, NOBODY)


async def _catch_up(db: Database, cache: _Cache, top: int) -> None:
    """Apply the changes after ``cache.seq`` up to at least ``top``."""
    if cache.seq is not None:
        rows = await db.fetchall(
            "SELECT seq, person_id FROM identity_changes WHERE seq > ? ORDER BY seq",
            (cache.seq,),
        )
        # Read after the changes: a later change moves seq again and is applied next time.
        complete = bool(rows) and rows[0][0] == cache.seq + 1
        people = {r[1] for r in rows}
        if complete and None not in people:
            for person_id in people:
                cache.drop(person_id)
            cache.put(await identities_of(db, people))
            cache.seq = max(top, rows[-1][0])
            return
    # First use, a class changed, or the log was pruned past us: everyone again.
    seq = await db.fetchone(_LAST_CHANGE)
    found = await identities_of(db, None)
    cache.by_user.clear()
    cache.user_of.clear()
    cache.put(found)
    cache.seq = int(seq[0]) if seq and seq[0] is not None else None
