"""graduation's subcommands: importing the assessment and scores sheets alone into a class
already imported, and writing the certificates issued (``trainee-bot certificates``)."""

from __future__ import annotations

import sys
from pathlib import Path

import aiosqlite

from bot.clock import SystemClock
from bot.config import Config
from bot.importer import ImportRefused, Sheets, build_grades_plan, describe_problem
from bot.importer.model import Problem
from bot.records import export
from bot.rules.grades import Component
from bot.texts import Texts
from storage import classes, grades
from storage.classes import ClassRow
from storage.db import Database


async def stored_schemes(config: Config) -> dict[str, list[Component]]:
    """Every class's stored scheme by class name ({} without a database): a class file's
    scores sheet is checked against its class's scheme when the file has none of its own."""
    if not config.db_path.exists():
        return {}
    # Only read: a dry run writes nothing, not even a pending migration.
    db = await Database.open(config.db_path, migrate=False)
    try:
        found = await grades.schemes_by_class_name(db)
    except aiosqlite.OperationalError:
        return {}  # a database from before graduation: no scheme yet
    finally:
        await db.close()
    return {name: [Component(n, w) for n, w in parts] for name, parts in found.items()}


async def _chosen_class(
    db: Database, texts: Texts, config: Config, name: str | None
) -> ClassRow | None:
    every = await classes.all_classes(db)
    if name is not None:
        found = [c for c in every if c.name == name]
        if not found:
            print(texts.plain(config.locale, "cli.no_such_class", name=name), file=sys.stderr)
            return None
        return found[0]
    if len(every) == 1:
        return every[0]
    names = "、".join(c.name for c in every)
    print(texts.plain(config.locale, "cli.grades_need_class", names=names), file=sys.stderr)
    return None


async def import_grades(
    config: Config,
    sheets: Sheets,
    problems: list[Problem],
    class_name: str | None,
    *,
    dry_run: bool,
) -> int:
    """Check a file of graduation sheets alone against a class as stored, then write it."""
    texts = Texts()
    locale = config.locale
    if not config.db_path.exists():
        print(texts.plain(locale, "cli.no_database", path=str(config.db_path)), file=sys.stderr)
        return 2
    db = await Database.open(config.db_path, migrate=not dry_run)
    try:
        klass = await _chosen_class(db, texts, config, class_name)
        if klass is None:
            return 2
        try:
            scheme = [Component(n, w) for n, w in await grades.scheme(db, klass.id)]
        except aiosqlite.OperationalError:
            scheme = []  # a dry run on a database from before graduation
        trainees = await grades.trainee_phones(db, klass.id)
        try:
            plan = build_grades_plan(sheets, problems, scheme=scheme or None, trainees=trainees)
        except ImportRefused as refused:
            print(texts.plain(locale, "cli.refused", count=len(refused.problems)), file=sys.stderr)
            for problem in refused.problems:
                print("  " + describe_problem(texts, locale, problem), file=sys.stderr)
            return 1
        if dry_run:
            rows = len(plan.scores or ())
            components = len(plan.assessment) if plan.assessment is not None else None
            line = texts.plain(
                locale, "cli.grades_dry_run_ok", name=klass.name, components=components, rows=rows
            )
            print(line)
            return 0
        report = await grades.import_grades(
            db,
            klass.id,
            [(c.name, c.weight) for c in plan.assessment] if plan.assessment is not None else None,
            [(r.phone, r.scores) for r in plan.scores or ()],
            SystemClock().now(),
        )
    finally:
        await db.close()
    print(texts.plain(locale, "cli.grades_report", name=klass.name, g=report))
    return 0


async def write_certificates(config: Config, out: Path, class_name: str | None) -> int:
    """Write every certificate issued (not revoked) as .docx: OUT/<class>/<number>-<name>.docx."""
    texts = Texts()
    locale = config.locale
    if not config.db_path.exists():
        print(texts.plain(locale, "cli.no_database", path=str(config.db_path)), file=sys.stderr)
        return 2
    db = await Database.open(config.db_path)
    written = 0
    try:
        every = await classes.all_classes(db)
        if class_name is not None:
            every = [c for c in every if c.name == class_name]
            if not every:
                print(texts.plain(locale, "cli.no_such_class", name=class_name), file=sys.stderr)
                return 1
        for klass in every:
            folder = out / export.safe_name(klass.name)
            paths = await export.write_certificates(
                db, klass, folder, texts, locale, config.cert_secret
            )
            written += len(paths)
    finally:
        await db.close()
    print(texts.plain(locale, "cli.certificates_written", count=written, path=str(out)))
    return 0
