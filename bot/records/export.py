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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.config import Secret
from bot.graduation.certificates import certificate_document, file_name, issued
from bot.graduation.outcomes import outcomes_of_class
from bot.records import files, model, workbook
from bot.records.model import Assessment
from bot.rules import class_settings
from bot.rules.locales import Locale
from bot.texts import Texts
from storage.classes import ClassRow
from storage.db import Database, Queryable

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
    certificates: list[Path]


async def assessments_of(
    db: Queryable, row: ClassRow, now: datetime, labels: workbook.Labels, secret: Secret | None
) -> dict[int, Assessment]:
    """Each trainee's final assessment for the records: the score, grade and outcome as
    last published to them (nothing before publication: the records say what the school
    announced, not a provisional figure), the appraisal once written, the certificate's
    number while it stands."""
    found: dict[int, Assessment] = {}
    for person_id, outcome in (await outcomes_of_class(db, row.id, now, secret=secret)).items():
        told = outcome.told.result if outcome.told is not None else None
        certificate = outcome.certificate
        standing = certificate is not None and certificate.revoked_at is None
        if told is None and outcome.appraisal is None and not standing:
            continue
        found[person_id] = Assessment(
            score=told["score"] if told else None,
            grade=labels.code("band", told["band"]) if told else None,
            appraisal=outcome.appraisal,
            certificate=certificate.number if standing and certificate else None,
            outcome=labels(
                "graduation", graduates=told["graduates"], reasons=tuple(told["reasons"])
            )
            if told
            else None,
        )
    return found


async def to_folder(
    db: Database,
    row: ClassRow,
    out: Path,
    texts: Texts,
    now: datetime,
    *,
    secret: Secret | None = None,
    rng: random.Random | None = None,
) -> Written:
    """Write ``out/<class>.xlsx``, ``out/files/<class>/NNN-<name>.docx`` and the class's
    certificates in ``out/certificates/<class>/``; OSError if the folder cannot be written.
    Each file is written under a temporary name and renamed, so a failed export never
    leaves a half-written file where a whole one was. ``secret``: the configured
    certificate secret (the codes printed on the certificates)."""
    locale = locale_of(row)
    labels = workbook.Labels(texts, locale)
    folder = out / "files" / safe_name(row.name)
    folder.mkdir(parents=True, exist_ok=True)
    target = out / f"{safe_name(labels('workbook_name', class_name=row.name))}.xlsx"
    written: list[Path] = []
    async with db.snapshot() as snap:
        recs = await model.load(snap, row, now)
        assessments = await assessments_of(snap, row, now, labels, secret)
        with _atomic(target) as handle:
            await workbook.write(
                snap, recs, texts, locale, handle, rng=rng, assessments=assessments
            )
        async for item in files.training_files(snap, recs, texts, locale, assessments):
            path = folder / f"{item.number:03d}-{safe_name(item.name)}.docx"
            with _atomic(path) as handle:
                handle.write(item.data)
            written.append(path)
        place = out / "certificates" / safe_name(row.name)
        certificates = await write_certificates(snap, row, place, texts, locale, secret)
    return Written(target, written, certificates)


async def write_certificates(
    db: Queryable, row: ClassRow, folder: Path, texts: Texts, locale: Locale, secret: Secret | None
) -> list[Path]:
    """Write the class's certificates not revoked into ``folder`` (made when there is one):
    ``<number>-<name>.docx``, each whole or not at all, readable by its owner only."""
    paths: list[Path] = []
    for content, code in await issued(db, row.id, secret):
        os.makedirs(folder, exist_ok=True)
        path = folder / safe_name(file_name(content))
        with _atomic(path) as handle:
            handle.write(certificate_document(texts, locale, content, code))
        paths.append(path)
    return paths


async def as_documents(
    db: Database,
    row: ClassRow,
    texts: Texts,
    now: datetime,
    *,
    secret: Secret | None = None,
    rng: random.Random | None = None,
) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """The workbook and a .zip of the training files, each as (file name, bytes)."""
    locale = locale_of(row)
    labels = workbook.Labels(texts, locale)
    book = io.BytesIO()
    archive = io.BytesIO()
    async with db.snapshot() as snap:
        recs = await model.load(snap, row, now)
        assessments = await assessments_of(snap, row, now, labels, secret)
        await workbook.write(snap, recs, texts, locale, book, rng=rng, assessments=assessments)
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
