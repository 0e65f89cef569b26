"""The trainee-bot command: run, import, invites, export, certificates, check, unbind, backup,
sandbox."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from telegram.error import InvalidToken

from bot import cli_tasks
from bot.config import ENV_VARS, Config, ConfigError, load_config
from bot.logs import redact, setup_logging
from bot.texts import Texts

DESCRIPTION = """\
trainee-bot: a Telegram bot for training classes (培训班).

Configuration comes from environment variables; a flag overrides its variable:
  TRAINEE_BOT_TOKEN    bot token from BotFather (secret; never printed)
  TRAINEE_BOT_API_URL  Bot API server root (default https://api.telegram.org)
  TRAINEE_BOT_DB       SQLite database file (default ./trainee-bot.sqlite3)
  TRAINEE_BOT_TZ       default time zone of classes (default Asia/Shanghai)
  TRAINEE_BOT_LOCALE   default language, zh or en (default zh)
School-wide thresholds of /instructors (environment only):
  TRAINEE_BOT_RATING_LOW_PCT           mark satisfaction under this % (default 80)
  TRAINEE_BOT_EXCELLENT_PCT            excellent-lecture candidate from this % (default 95)
  TRAINEE_BOT_EXCELLENT_MIN_RESPONSES  ... with at least this many answers (default 10)
Upkeep while 'run' runs (environment only):
  TRAINEE_BOT_OUTBOX_KEEP_DAYS  keep sent notices this many days, at least 8 (default 14)
  TRAINEE_BOT_BACKUP_DIR        a daily backup goes into this folder (default: none)
  TRAINEE_BOT_BACKUP_KEEP       ... and the last this many are kept (default 7)
Certificates (environment only):
  TRAINEE_BOT_CERT_SECRET  key of the certificates' verification codes, 16+ characters
                           (secret; default: one made once and kept in the database)
"""


def _add_config_flags(parser: argparse.ArgumentParser, *, token: bool) -> None:
    group = parser.add_argument_group("configuration (overrides the environment)")
    if token:
        group.add_argument(
            "--token",
            help=f"bot token (prefer {ENV_VARS['token']}: flags show in the process list)",
        )
        group.add_argument("--api-url", dest="api_url", help="Bot API server root URL")
    group.add_argument("--db", help="SQLite database file")
    group.add_argument("--tz", help="default time zone for classes, e.g. Asia/Shanghai")
    group.add_argument("--locale", choices=["zh", "en"], help="language of messages and output")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand and its help."""
    parser = argparse.ArgumentParser(
        prog="trainee-bot",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the bot against the Bot API (needs a token)",
        description="Run the bot: poll the Bot API server at TRAINEE_BOT_API_URL with "
        "TRAINEE_BOT_TOKEN and answer until Ctrl-C or SIGTERM. Migrations are applied at "
        "start. One bot per database: a second 'run' or 'sandbox' on the same file refuses "
        "and names the first one's pid. Every hour old sent notices are pruned and the space "
        "given back; with TRAINEE_BOT_BACKUP_DIR set, a backup is made there once a day. "
        "Without a token it refuses; to try the bot without one, use 'trainee-bot sandbox'.",
    )
    _add_config_flags(run, token=True)

    imp = sub.add_parser(
        "import",
        help="import or update a class from an .xlsx workbook or a folder of CSV files",
        description="Load a class (its settings, roster and timetable) from an .xlsx workbook "
        "with the sheets class, roster and schedule, or from a folder with class.csv, "
        "roster.csv and schedule.csv. A file with any problem is refused whole, with every "
        "problem listed by sheet, row and column, and nothing is written. Importing the same "
        "class again updates it in place and says what changed.",
    )
    imp.add_argument("path", type=Path, help="the .xlsx file or the folder of CSV files")
    imp.add_argument(
        "--dry-run", action="store_true", help="check the file and report, but write nothing"
    )
    imp.add_argument(
        "--class",
        dest="class_name",
        help="for a file with only the assessment and/or scores sheets: the class they are for "
        "(needed when the database holds more than one)",
    )
    _add_config_flags(imp, token=False)

    inv = sub.add_parser(
        "invites",
        help="write everyone's invite link to a CSV file, or printable cards (--docx)",
        description="Write a CSV (UTF-8 with BOM, so Excel shows Chinese) with each person's "
        "name, phone, roles, invite code and personal t.me link, for the class manager to "
        "hand out. Opening the link binds that person's Telegram account. With --docx, a Word "
        "document of cards to print and cut apart instead (two a row, eight an A4 page): "
        "name, unit, class and a QR code of the link, for schools that hand invitations out "
        "on paper. Both files are readable by their owner only.",
    )
    inv.add_argument("--class", dest="class_name", help="only this class (default: all)")
    inv.add_argument(
        "--out",
        type=Path,
        help="output file (default invites.csv, or invites.docx with --docx)",
    )
    inv.add_argument(
        "--docx",
        action="store_true",
        help="printable cards with QR codes (a .docx: Word and WPS open it) instead of a CSV",
    )
    inv.add_argument(
        "--bot-username",
        help="the bot's @username for the links (default: asked from the Bot API with the token)",
    )
    _add_config_flags(inv, token=True)

    export = sub.add_parser(
        "export",
        help="write each class's records: a workbook and every trainee's training file",
        description="Write, for each class (or the one named), a workbook of its records "
        "(attendance summary, sign-in sheet, leave register, ratings, audit log; sheets in "
        "the class's language) to OUT/<class>-班次档案.xlsx and a training file (培训档案, "
        ".docx) per trainee to OUT/files/<class>/; once results are published, the final "
        "assessment is in both and the certificates go to OUT/certificates/<class>/. "
        "Prints each file written. The files hold "
        "phone numbers: they are readable by their owner only. Safe while the bot runs: "
        "everything is read from one consistent moment of the database.",
    )
    export.add_argument("--out", type=Path, required=True, help="the folder to write into")
    export.add_argument(
        "--class",
        dest="class_name",
        help="only this class: its full name, or a part of it that names one class only "
        "(default: every class)",
    )
    _add_config_flags(export, token=False)

    check = sub.add_parser(
        "check",
        help="validate the configuration and the database",
        description="Validate every setting, open the database read-only and report pending "
        "migrations and what it holds, and, when a token is set, ask the Bot API who the bot "
        "is. Exits non-zero if anything is wrong.",
    )
    check.add_argument("--offline", action="store_true", help="do not contact the Bot API")
    _add_config_flags(check, token=True)

    unbind = sub.add_parser(
        "unbind",
        help="free a person's place from the Telegram account bound to it",
        description="Unbind the Telegram account bound to the person with this phone number "
        "(a new phone, a lost account, a binding by mistake). The person keeps every record "
        "and binds again with /start or their invite link. Written to the audit log.",
    )
    unbind.add_argument("phone", help="the person's phone number as on the roster")
    _add_config_flags(unbind, token=False)

    certificates = sub.add_parser(
        "certificates",
        help="write the certificates of completion issued, as Word documents",
        description="Write every certificate of completion (结业证书) the bot issued when a class "
        "manager published the results, and not revoked since, as a .docx (A4 landscape) per "
        "graduate: OUT/<class>/<number>-<name>.docx, each with its number and verification code "
        "(anyone checks one with /verify NUMBER CODE in the bot). Set TRAINEE_BOT_CERT_SECRET "
        "before the first publication or never: changing it changes every code.",
    )
    certificates.add_argument("--out", type=Path, required=True, help="the folder to write into")
    certificates.add_argument("--class", dest="class_name", help="only this class (default: all)")
    _add_config_flags(certificates, token=False)

    backup = sub.add_parser(
        "backup",
        help="write a consistent copy of the database, even while the bot runs",
        description="Copy the database with SQLite's online backup: one consistent moment of "
        "it, safe while the bot runs and writes. PATH is the file to write, or a folder to "
        "write trainee-bot-<date>-<time>.sqlite3 into; the copy is readable by its owner only. "
        "To restore: stop the bot, copy the backup over the database file, delete the "
        "database's -wal and -shm files, start the bot. With TRAINEE_BOT_BACKUP_DIR set, "
        "'run' makes one a day by itself.",
    )
    backup.add_argument("path", type=Path, help="the backup file, or a folder to put it in")
    _add_config_flags(backup, token=False)

    sandbox = sub.add_parser(
        "sandbox",
        help="try the bot without Telegram: a demo class and a chat page in the browser",
        description="Run the whole bot on this machine, no token and no internet needed: "
        "a fresh demo class (a two-week class of 30 trainees, 2 class managers, a discipline "
        "monitor, 5 instructors and an admin, with past attendance, leave and ratings; today "
        "one session ended half an hour ago, one is running, one starts in 20 minutes), a "
        "local Bot API server on 127.0.0.1 that refuses what Telegram refuses, and the real "
        "bot polling it. Open the printed address, pick a persona and talk to the bot. The "
        "page moves the sandbox's clock forward (+5 min, +1 h, next session, next morning; "
        "POST /control/clock for scripts) and the jobs due in between run in order. "
        "Ctrl-C stops it. "
        "Environment settings for the token, the Bot API and the database are ignored, so "
        "a production setup is never touched.",
    )
    sandbox.add_argument(
        "--port",
        type=int,
        default=8088,
        help="port of the page and the Bot API (default 8088; 0 picks a free one)",
    )
    sandbox.add_argument(
        "--keep",
        action="store_true",
        help="continue the last run: its database, the chats (kept beside it in "
        "<db>-chats.json, numbering included) and its clock, instead of starting fresh",
    )
    sandbox.add_argument(
        "--db",
        type=Path,
        default=Path("trainee-bot-sandbox.sqlite3"),
        help="the sandbox's SQLite file (default ./trainee-bot-sandbox.sqlite3); a database "
        "holding any other class is refused, never wiped",
    )
    sandbox.add_argument(
        "--flood-limits",
        action="store_true",
        help="enforce Telegram's flood limits (429 with retry_after), off by default",
    )
    sandbox.add_argument("--tz", help="default time zone for classes, e.g. Asia/Shanghai")
    sandbox.add_argument("--locale", choices=["zh", "en"], help="default language of messages")
    return parser


def _config(args: argparse.Namespace) -> Config:
    overrides = {
        key: getattr(args, key, None) for key in ("token", "api_url", "db", "tz", "locale")
    }
    env: Mapping[str, str] = os.environ
    if args.command == "sandbox":
        # The sandbox brings its own token, server and database: a production environment
        # must neither leak into it nor be touched by it.
        overrides = {**overrides, "token": None, "api_url": None, "db": None}
        env = {k: v for k, v in os.environ.items() if k in (ENV_VARS["tz"], ENV_VARS["locale"])}
    return load_config(env, overrides)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the subcommand, return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as error:
        for problem in error.problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    secrets = [s.reveal() for s in (config.token, config.cert_secret) if s is not None]
    setup_logging(args.log_level.upper(), secrets)
    try:
        return asyncio.run(cli_tasks.dispatch(args, config))
    except InvalidToken:  # its message holds the whole token: never print it
        print(Texts().plain(config.locale, "cli.token_rejected"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - a crash: its traceback, printed without the token
        print(redact(traceback.format_exc(), secrets), file=sys.stderr)
        return 1
