"""Writing a class's records out: the workbook and the training files, into a folder (the
command line) or as two documents (chat: the workbook and one .zip of the files).

Everything of one class is read from one snapshot of the database, so the sheets and the
files all describe the same moment, while the bot goes on writing.
"""

from __future__ import annotations

import io
import os
import random
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.records import files, model, workbook
from bot.records.files import Assessment
from bot.rules import class_settings
from bot.rules.locales import Locale
from bot.texts import Texts
from storage.classes import ClassRow
from storage.db import Database

# What a file name may not hold on Windows, macOS or Linux, and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_name(name: str) -> str:
    """A person's or a class's name as a file name on any system."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned[:80] or "_"


def locale_of(row: ClassRow) -> Locale:
    """The class's language: its records are named and headed in it."""
    return class_settings.from_json(row.settings).locale


@dataclass(frozen=True)
class Written:
    """What an export wrote for one class."""

    workbook: Path
    files: list[Path]


async def to_folder(
    db: Database,
    row: ClassRow,
    out: Path,
    texts: Texts,
    now: datetime,
    *,
    assessments: Mapping[int, Assessment] | None = None,
    rng: random.Random | None = None,
) -> Written:
    """Write ``out/<class>.xlsx`` and ``out/files/<class>/NNN-<name>.docx``; OSError if the
    folder cannot be written. Each file is written under a temporary name and renamed, so a
    failed export never leaves a half-written file where a whole one was."""
    locale = locale_of(row)
    labels = workbook.Labels(texts, locale)
    folder = out / "files" / safe_name(row.name)
    folder.mkdir(parents=True, exist_ok=True)
    target = out / f"{safe_name(labels('workbook_name', class_name=row.name))}.xlsx"
    written: list[Path] = []
    async with db.snapshot() as snap:
        recs = await model.load(snap, row, now)
        with _atomic(target) as handle:
            await workbook.write(snap, recs, texts, locale, handle, rng=rng)
        async for item in files.training_files(snap, recs, texts, locale, assessments):
            path = folder / f"{item.number:03d}-{safe_name(item.name)}.docx"
            with _atomic(path) as handle:
                handle.write(item.data)
            written.append(path)
    return Written(target, written)


async def as_documents(
    db: Database,
    row: ClassRow,
    texts: Texts,
    now: datetime,
    *,
    assessments: Mapping[int, Assessment] | None = None,
    rng: random.Random | None = None,
) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """The workbook and a .zip of the training files, each as (file name, bytes)."""
    locale = locale_of(row)
    labels = workbook.Labels(texts, locale)
    book = io.BytesIO()
    archive = io.BytesIO()
    async with db.snapshot() as snap:
        recs = await model.load(snap, row, now)
        await workbook.write(snap, recs, texts, locale, book, rng=rng)
        folder = safe_name(labels("files_folder"))
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            async for item in files.training_files(snap, recs, texts, locale, assessments):
                info = zipfile.ZipInfo(
                    f"{folder}/{item.number:03d}-{safe_name(item.name)}.docx",
                    date_time=now.timetuple()[:6],
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                zipped.writestr(info, item.data)
    stem = safe_name(labels("workbook_name", class_name=row.name))
    return (f"{stem}.xlsx", book.getvalue()), (
        f"{safe_name(row.name)}-{safe_name(labels('files_folder'))}.zip",
        archive.getvalue(),
    )


class _atomic:
    """A file written under a temporary name in its folder, renamed into place when whole
    (readable by its owner only: the records hold phone numbers)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> io.BufferedWriter:
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".", suffix=".part")
        self.temp = Path(name)
        self.handle = os.fdopen(fd, "wb")
        return self.handle

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.handle.close()
        if kind is None:
            os.replace(self.temp, self.path)
        else:
            self.temp.unlink(missing_ok=True)
