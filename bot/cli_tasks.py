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
from storage.db import Database, Tx, pending_migrations
from storage.imports import apply_plan
from storage.lock import AlreadyRunning


async def dispatch(args: argparse.Namespace, config: Config) -> int:
    """Run the subcommand named in args; return the exit code."""
    if args.command == "run":
        return await run(config)
    if args.command == "import":
        return await import_class(config, args.path, dry_run=args.dry_run)
    if args.command == "invites":
        return await write_invites(config, args.out, args.class_name, args.bot_username)
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
        print(
            "no bot token: set TRAINEE_BOT_TOKEN (from BotFather) or pass --token.\n"
            "To try the bot without Telegram, run: trainee-bot sandbox",
            file=sys.stderr,
        )
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


async def import_class(config: Config, path: Path, *, dry_run: bool = False) -> int:
    """Validate a class file and apply it; list every problem and write nothing if bad."""
    texts = Texts()
    locale = config.locale

    def progress(phase: str) -> Callable[[str, int, int], None]:
        # Rows are counted twice, checking then writing: each line says which it is.
        def report(sheet: str, done: int, total: int) -> None:
            line = texts.plain(
                locale, "cli.progress", phase=phase, sheet=sheet, done=done, total=total
            )
            print(line, file=sys.stderr)

        return report

    # The workbook reader (openpyxl) only here: `run` starts without it (start-up time).
    from bot.importer import ImportRefused, describe_problem, load_class_plan

    try:
        plan = load_class_plan(path, default_timezone=config.timezone, progress=progress("check"))
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
    config: Config, out: Path, class_name: str | None, bot_username: str | None
) -> int:
    """Write each person's invite code and t.me link to a CSV for the class manager."""
    texts = Texts()
    locale = config.locale
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
        for klass in chosen:
            for entry in await classes.roster(db, klass.id):
                roles = "、".join(texts.plain(locale, f"roles.{r}") for r in sorted(entry.roles))
                link = f"https://t.me/{bot_username}?start={entry.invite_code}"
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
    header = texts.plain(locale, "cli.invites_header").split(",")
    _write_csv(out, header, rows)
    print(texts.plain(locale, "cli.invites_written", count=len(rows), path=str(out)))
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
    """Report what is wrong with the database or the Bot API connection; 0 if nothing."""
    problems: list[str] = []
    print(f"database: {config.db_path}")
    if not config.db_path.exists():
        print("  does not exist yet: it is created by 'import' or 'run'")
    else:
        try:
            pending = await pending_migrations(config.db_path)
            db = await Database.open(config.db_path, migrate=False)
            try:
                row = await db.fetchone("PRAGMA quick_check")
                if row is None or row[0] != "ok":
                    problems.append(f"database integrity check failed: {row[0] if row else '?'}")
                if pending:
                    names = ", ".join(f"{m.version:04d}_{m.name}" for m in pending)
                    print(f"  migrations to apply at next start: {names}")
                else:
                    counts = await db.fetchone(
                        "SELECT (SELECT count(*) FROM classes), (SELECT count(*) FROM people),"
                        " (SELECT count(*) FROM people WHERE telegram_user_id IS NOT NULL),"
                        " (SELECT count(*) FROM sessions WHERE cancelled_at IS NULL)"
                    )
                    print(
                        f"  classes: {counts[0]}, people: {counts[1]} ({counts[2]} bound),"
                        f" sessions: {counts[3]}"
                    )
            finally:
                await db.close()
        except Exception as error:  # noqa: BLE001 - reported, that is the point of check
            problems.append(f"database cannot be read: {error}")
    print(f"Bot API: {config.api_url}")
    if config.token is None:
        print("  no token set (TRAINEE_BOT_TOKEN): 'run' will refuse to start")
    elif not offline:
        try:
            async with Bot(
                config.token.reveal(), base_url=config.base_url, base_file_url=config.base_file_url
            ) as bot:
                print(f"  token accepted: the bot is @{bot.username}")
        except Exception as error:  # noqa: BLE001 - reported, that is the point of check
            detail = redact(str(error), [config.token.reveal()])
            problems.append(f"Bot API at {config.api_url} refused or unreachable: {detail}")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if not problems:
        print("ok")
    return 1 if problems else 0
