"""What each trainee-bot subcommand does, once the configuration is valid."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from collections.abc import Callable
from pathlib import Path

from telegram import Bot

from bot.app import serve
from bot.clock import SystemClock
from bot.config import Config
from bot.logs import redact
from bot.rules.phones import normalize_phone
from bot.sheets import csv_rows
from bot.texts import Texts
from storage import audit, backup, classes, people
from storage.classes import ClassRow
from storage.db import Database, Tx, pending_migrations
from storage.imports import apply_plan
from storage.lock import AlreadyRunning


async def dispatch(args: argparse.Namespace, config: Config) -> int:
    """Run the subcommand named in args; return the exit code."""
    if args.command == "run":
        return await run(config)
    if args.command == "import":
        return await import_class(
            config, args.path, dry_run=args.dry_run, class_name=args.class_name
        )
    if args.command == "certificates":
        from bot import cli_grades  # the graduation sheets' reader: only these commands

        return await cli_grades.write_certificates(config, args.out, args.class_name)
    if args.command == "invites":
        return await write_invites(
            config, args.out, args.class_name, args.bot_username, docx=args.docx
        )
    if args.command == "export":
        return await export_records(config, args.out, args.class_name)
    if args.command == "check":
        return await check(config, offline=args.offline)
    if args.command == "unbind":
        return await unbind(config, args.phone)
    if args.command == "backup":
        return await backup_database(config, args.path)
    if args.command == "sandbox":
        from bot.sandbox.main import run_sandbox  # the web server: only this command needs it

        return await run_sandbox(
            config,
            port=args.port,
            db_path=args.db,
            keep=args.keep,
            flood_limits=args.flood_limits,
        )
    raise AssertionError(f"unknown command {args.command}")


async def run(config: Config) -> int:
    """Run the bot until stopped; refuse without a token rather than fall into a demo."""
    if config.token is None:
        print(Texts().plain(config.locale, "cli.run_no_token"), file=sys.stderr)
        return 2
    try:
        await serve(config)
    except AlreadyRunning as running:
        line = Texts().plain(
            config.locale, "cli.already_running", path=str(running.path), pid=running.pid
        )
        print(line, file=sys.stderr)
        return 2
    return 0


async def import_class(
    config: Config, path: Path, *, dry_run: bool = False, class_name: str | None = None
) -> int:
    """Validate a class file and apply it; list every problem and write nothing if bad.

    A file of graduation sheets alone (assessment, scores) updates the class named by
    ``class_name`` (or the only one) instead: bot/cli_grades.py.
    """
    # The workbook reader (openpyxl) only here: `run` starts without it (start-up time).
    from bot import cli_grades
    from bot.importer import ImportRefused, build_plan, describe_problem, grades_only, read_source

    texts = Texts()
    locale = config.locale
    sheets, problems = read_source(path)
    if grades_only(sheets):
        return await cli_grades.import_grades(config, sheets, problems, class_name, dry_run=dry_run)

    def progress(phase: str) -> Callable[[str, int, int], None]:
        # Rows are counted twice, checking then writing: each line says which it is.
        def report(sheet: str, done: int, total: int) -> None:
            line = texts.plain(
                locale, "cli.progress", phase=phase, sheet=sheet, done=done, total=total
            )
            print(line, file=sys.stderr)

        return report

    try:
        plan = build_plan(
            sheets,
            problems,
            default_timezone=config.timezone,
            progress=progress("check"),
            schemes=await cli_grades.stored_schemes(config),
        )
    except ImportRefused as refused:
        print(texts.plain(locale, "cli.refused", count=len(refused.problems)), file=sys.stderr)
        for problem in refused.problems:
            print("  " + describe_problem(texts, locale, problem), file=sys.stderr)
        return 1
    if dry_run:
        print(
            texts.plain(
                locale,
                "cli.dry_run_ok",
                name=plan.name,
                people=len(plan.people),
                sessions=len(plan.sessions),
            )
        )
        return 0
    db = await Database.open(config.db_path)
    try:
        report = await apply_plan(db, plan, SystemClock().now(), progress("write"))
    finally:
        await db.close()
    print(texts.plain(locale, "cli.import_report", name=plan.name, r=report))
    return 0


async def write_invites(
    config: Config,
    out: Path | None,
    class_name: str | None,
    bot_username: str | None,
    *,
    docx: bool = False,
) -> int:
    """Write each person's invite code and t.me link to a CSV for the class manager, or
    (``docx``) a printable sheet of cards with QR codes."""
    from bot.invites import Invite, cards_docx  # the QR encoder: only this command needs it

    texts = Texts()
    locale = config.locale
    out = out or Path("invites.docx" if docx else "invites.csv")
    if docx and out.suffix.lower() != ".docx":
        print(texts.plain(locale, "cli.invites_docx_suffix", path=str(out)), file=sys.stderr)
        return 2
    if bot_username is None:
        if config.token is None:
            print(texts.plain(locale, "cli.invites_need_username"), file=sys.stderr)
            return 2
        async with Bot(
            config.token.reveal(), base_url=config.base_url, base_file_url=config.base_file_url
        ) as bot:
            bot_username = bot.username
    bot_username = bot_username.lstrip("@")
    if not config.db_path.exists():
        print(texts.plain(locale, "cli.no_database", path=str(config.db_path)), file=sys.stderr)
        return 2
    db = await Database.open(config.db_path)
    try:
        chosen = await classes.all_classes(db)
        if class_name is not None:
            chosen = [c for c in chosen if c.name == class_name]
            if not chosen:
                print(texts.plain(locale, "cli.no_such_class", name=class_name), file=sys.stderr)
                return 1
        rows = []
        invites = []
        for klass in chosen:
            for entry in await classes.roster(db, klass.id):
                roles = "、".join(texts.plain(locale, f"roles.{r}") for r in sorted(entry.roles))
                link = f"https://t.me/{bot_username}?start={entry.invite_code}"
                invites.append(Invite(klass.name, entry.name, entry.unit, entry.invite_code, link))
                rows.append(
                    [
                        klass.name,
                        entry.name,
                        entry.phone,
                        entry.unit or "",
                        roles,
                        entry.invite_code,
                        link,
                        "1" if entry.bound else "0",
                    ]
                )
    finally:
        await db.close()
    if docx:
        _write_private(out, cards_docx(texts, locale, invites))
        print(texts.plain(locale, "cli.invites_cards_written", count=len(invites), path=str(out)))
        return 0
    header = texts.plain(locale, "cli.invites_header").split(",")
    _write_csv(out, header, rows)
    print(texts.plain(locale, "cli.invites_written", count=len(rows), path=str(out)))
    return 0


def _write_private(out: Path, data: bytes) -> None:
    """A file only its owner can read (invite codes bind accounts)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with open(fd, "wb") as handle:
        handle.write(data)


def choose_classes(found: list[ClassRow], name: str | None) -> list[ClassRow] | str:
    """The classes an export names: all, the one of that exact name, else the one whose name
    contains it; "none" or "ambiguous" when that is not one class."""
    if name is None:
        return found
    exact = [c for c in found if c.name == name]
    if exact:
        return exact
    partial = [c for c in found if name.casefold() in c.name.casefold()]
    if len(partial) == 1:
        return partial
    return "ambiguous" if partial else "none"


async def export_records(config: Config, out: Path, class_name: str | None) -> int:
    """Write each class's workbook and training files into ``out``; print each file."""
    from bot.records import export  # the records' writers: only this command needs them

    texts = Texts()
    locale = config.locale

    def fail(text: str, **values: object) -> int:
        print(texts.plain(locale, f"cli.{text}", **values), file=sys.stderr)
        return 2 if text == "no_database" else 1

    if not config.db_path.exists():
        return fail("no_database", path=str(config.db_path))
    db = await Database.open(config.db_path)
    try:
        found = await classes.all_classes(db)
        chosen = choose_classes(found, class_name)
        if chosen == "none":
            return fail("no_such_class", name=class_name)
        if chosen == "ambiguous":
            names = [c.name for c in found if (class_name or "").casefold() in c.name.casefold()]
            return fail("export_ambiguous", name=class_name, names=names)
        if not chosen:
            return fail("export_none")
        assert isinstance(chosen, list)
        now = SystemClock().now()
        for klass in chosen:
            try:
                written = await export.to_folder(
                    db, klass, out, texts, now, secret=config.cert_secret
                )
            except OSError as error:
                return fail("export_unwritable", path=str(out), reason=error.strerror or error)
            for path in (written.workbook, *written.files, *written.certificates):
                print(texts.plain(locale, "cli.export_written", path=str(path)))
            folder = written.files[0].parent if written.files else out / "files"
            print(
                texts.plain(locale, "cli.export_files", count=len(written.files), path=str(folder))
            )
    finally:
        await db.close()
    return 0


def _write_csv(out: Path, header: list[str], rows: list[list[str]]) -> None:
    """The invites as a CSV only its owner can read; no cell a spreadsheet would run."""
    # utf-8-sig: Excel on Windows reads a BOM-less CSV as the local code page and garbles Chinese.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was there before keeps no wider mode
    with open(fd, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(csv_rows(rows))


async def backup_database(config: Config, path: Path) -> int:
    """Write a consistent copy of the database, while the bot runs or not."""
    texts = Texts()
    if not config.db_path.exists():
        print(
            texts.plain(config.locale, "cli.no_database", path=str(config.db_path)), file=sys.stderr
        )
        return 2
    if await asyncio.to_thread(path.is_dir):
        path = path / f"trainee-bot-{SystemClock().now():%Y%m%d-%H%M%S}.sqlite3"
    size = await backup.copy(config.db_path, path)
    print(texts.plain(config.locale, "cli.backup_written", path=str(path), size=size))
    return 0


async def unbind(config: Config, phone: str) -> int:
    """Free a person's place so that they can bind another Telegram account."""
    texts = Texts()
    locale = config.locale
    normalized = normalize_phone(phone)
    if not config.db_path.exists():
        print(texts.plain(locale, "cli.no_database", path=str(config.db_path)), file=sys.stderr)
        return 2
    db = await Database.open(config.db_path)
    try:
        person = await people.by_phone(db, normalized) if normalized else None
        if person is None:
            print(texts.plain(locale, "cli.no_such_phone", phone=phone), file=sys.stderr)
            return 1
        now = SystemClock().now()

        async def op(tx: Tx) -> int | None:
            account = await people.unbind(tx, person.id, now)
            if account is not None:
                await audit.record(
                    tx,
                    at=now,
                    actor="cli",
                    action="unbind",
                    subject=f"person:{person.id}",
                    details={"telegram_user_id": account},
                )
            return account

        account = await db.write(op)
    finally:
        await db.close()
    if account is None:
        print(texts.plain(locale, "cli.not_bound", name=person.name))
    else:
        print(texts.plain(locale, "cli.unbound", name=person.name))
    return 0


async def check(config: Config, *, offline: bool) -> int:
    """Report what is wrong with the database or the Bot API connection; 0 if nothing.

    No token is not a problem of the setup (import, invites with --bot-username and the
    sandbox work without one), but it is said plainly: 'run' will not start."""
    texts, locale = Texts(), config.locale

    def say(name: str, **values: object) -> str:
        return texts.plain(locale, f"cli.{name}", **values)

    problems: list[str] = []
    print(say("check_database", path=str(config.db_path)))
    if not config.db_path.exists():
        print(say("check_no_database"))
    else:
        try:
            pending = await pending_migrations(config.db_path)
            db = await Database.open(config.db_path, migrate=False)
            try:
                row = await db.fetchone("PRAGMA quick_check")
                if row is None or row[0] != "ok":
                    problems.append(say("check_integrity", detail=row[0] if row else "?"))
                if pending:
                    names = ", ".join(f"{m.version:04d}_{m.name}" for m in pending)
                    print(say("check_migrations", names=names))
                else:
                    counts = await db.fetchone(
                        "SELECT (SELECT count(*) FROM classes), (SELECT count(*) FROM people),"
                        " (SELECT count(*) FROM people WHERE telegram_user_id IS NOT NULL),"
                        " (SELECT count(*) FROM sessions WHERE cancelled_at IS NULL)"
                    )
                    print(say("check_counts", c=list(counts)))
            finally:
                await db.close()
        except Exception as error:  # noqa: BLE001 - reported, that is the point of check
            problems.append(say("check_unreadable", detail=str(error)))
    print(say("check_api", url=config.api_url))
    if config.token is None:
        print(say("check_no_token"))
    elif not offline:
        try:
            async with Bot(
                config.token.reveal(), base_url=config.base_url, base_file_url=config.base_file_url
            ) as bot:
                print(say("check_token_ok", username=bot.username))
        except Exception as error:  # noqa: BLE001 - reported, that is the point of check
            detail = redact(str(error), [config.token.reveal()])
            problems.append(say("check_api_refused", url=config.api_url, detail=detail))
    for problem in problems:
        print(say("check_problem", problem=problem), file=sys.stderr)
    if not problems:
        print(say("check_ok", token=config.token is not None))
    return 1 if problems else 0
