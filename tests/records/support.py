"""What the records tests share: the documents the bot sent, opened."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from tests.harness import BotHarness


def sent_documents(bot: BotHarness, since: int = 0) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every document the bot sent, from call ``since`` on."""
    found = []
    for call in bot.telegram.calls_of("sendDocument")[since:]:
        name, content, _ = next(iter(call.files.values()))
        found.append((name, content))
    return found


def workbook(data: bytes) -> Workbook:
    """A sent workbook, opened."""
    return load_workbook(io.BytesIO(data))


def rows(book: Workbook, sheet: str) -> list[tuple[Any, ...]]:
    """A sheet's rows as values."""
    return list(book[sheet].iter_rows(values_only=True))


def archive(data: bytes) -> dict[str, bytes]:
    """A sent .zip's files by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}
