"""Backups of a live database: SQLite's online backup API, safe while the bot writes.

The copy is taken in one step under a read transaction, so it is one consistent moment of
the database even while the bot goes on writing (WAL readers never block writers). It is
written beside its target first and renamed into place, so a backup cut short never looks
complete, and it is readable by its owner only, like the database.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiosqlite


async def copy(source: Path, target: Path) -> int:
    """Write a consistent copy of the database ``source`` to ``target``; its size in bytes."""
    partial = target.with_name(target.name + ".partial")
    await asyncio.to_thread(_fresh, partial)
    try:
        async with (
            aiosqlite.connect(f"file:{source}?mode=ro", uri=True) as live,
            aiosqlite.connect(partial) as out,
        ):
            await live.backup(out)
        os.replace(partial, target)
    finally:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
    return await asyncio.to_thread(os.path.getsize, target)


def _fresh(path: Path) -> None:
    """An empty file readable by its owner only (SQLite keeps the mode it finds)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
