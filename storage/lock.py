"""One bot process per database: an exclusive lock tied to the database file.

Two bots draining one outbox would each send every row (the rows are marked sent only after
Telegram answers), so ``trainee-bot run`` and the sandbox hold this lock for their whole
life. It is an flock on ``<database>-lock`` (the name SQLite's own companions use): the
kernel frees it when the process ends, however it ends, so a crash never leaves a stale
lock behind. The file holds the holder's pid, for the refusal's message. Other commands
(import, invites, backup) may run beside the bot: SQLite itself orders their writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process holds the database; ``pid`` is the one it wrote, if readable."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(f"{path} is in use by another process (pid {pid})")
        self.path = path
        self.pid = pid


def lock_path(db_path: Path) -> Path:
    """The lock file of a database file."""
    return Path(f"{db_path}-lock")


@contextlib.contextmanager
def exclusive(db_path: Path) -> Iterator[None]:
    """Hold the database for this process, or raise AlreadyRunning at once."""
    path = lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(db_path, _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
