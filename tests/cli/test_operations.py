"""Operating the bot on a bad day: backups, a rejected token, missing files, hostile names."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.config import ConfigError, load_config
from bot.sandbox.demo import build_demo
from bot.sandbox.server import start_server
from bot.sandbox.state import Sandbox
from bot.sheets import append_row
from bot.testing import FakeTelegram
from storage import backup
from storage.db import Database
from tests.cli.test_commands import env as env
from tests.cli.test_commands import table_counts
from tests.conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
REJECTED = "987654:ThisTokenIsNotKnownToTheServerAtAll_x"
HOSTILE = '=HYPERLINK("http://evil.example")'


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def test_a_backup_is_consistent_private_and_restores(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    assert mode(env) == 0o600  # the database itself, created by the import
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    [copy] = list(folder.iterdir())
    assert mode(copy) == 0o600 and str(copy) in capsys.readouterr().out
    before = table_counts(env)
    # Restore, as the README says: over the database file, without its -wal and -shm.
    env.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{env}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, env)
    assert table_counts(env) == before
    assert main(["check", "--offline"]) == 0


async def test_a_backup_taken_while_the_bot_writes_is_one_consistent_moment(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "live.sqlite3")
    written = 0
    busy = asyncio.Event()
    keep_writing = True

    async def writer() -> None:
        nonlocal written
        while keep_writing:
            n = written
            await db.write(
                lambda tx, n=n: tx.execute(
                    "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, 't')",
                    (n,),
                )
            )
            written += 1
            if written == 50:
                busy.set()  # the bot is busy writing: back it up now

    task = asyncio.create_task(writer())
    try:
        await busy.wait()
        target = tmp_path / "copy.sqlite3"
        await backup.copy(db.path, target)
    finally:
        keep_writing = False
        await task
        await db.close()
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [r[0] for r in copy.execute("SELECT update_id FROM processed_updates")]
    assert ids == list(range(len(ids))) and 50 <= len(ids) <= written  # no gap, no torn page
    restored = await Database.open(target)  # opens, and migrates nothing
    await restored.close()


def test_commands_that_read_a_database_refuse_when_there_is_none(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "invites.csv"
    assert main(["invites", "--out", str(out), "--bot-username", "school_bot"]) == 2
    assert str(env) in capsys.readouterr().err
    assert main(["unbind", "13800138001"]) == 2
    assert main(["backup", str(tmp_path / "b.sqlite3")]) == 2
    assert not env.exists() and not out.exists()  # nothing made, not even an empty database


def test_hostile_names_come_out_of_every_export_as_text(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "class"
    shutil.copytree(EXAMPLE, folder)
    for name in ("roster.csv", "schedule.csv"):  # a person, and the lectures they give
        text = (folder / name).read_text("utf-8-sig")
        (folder / name).write_text(text.replace("刘晓燕", HOSTILE), "utf-8-sig")
    assert main(["import", str(folder)]) == 0
    out = tmp_path / "invites.csv"
    assert main(["invites", "--out", str(out), "--bot-username", "school_bot"]) == 0
    assert mode(out) == 0o600
    cells = [c for row in csv.reader(io.StringIO(out.read_text("utf-8-sig"))) for c in row]
    assert "'" + HOSTILE in cells and HOSTILE not in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    # A workbook: the cell is text (not a formula), and stays text when edited.
    book = Workbook()
    append_row(book.active, [HOSTILE, "+86 138", "@home", 3, None])
    saved = io.BytesIO()
    book.save(saved)
    [row] = load_workbook(io.BytesIO(saved.getvalue())).active.iter_rows()
    assert [c.data_type for c in row[:4]] == ["s", "s", "s", "n"]
    assert row[0].value == HOSTILE and row[0].quotePrefix


def test_an_api_url_holding_a_token_is_refused_without_echoing_it() -> None:
    url = f"https://api.telegram.org/bot{REJECTED}"
    with pytest.raises(ConfigError) as refused:
        load_config({"TRAINEE_BOT_API_URL": url})
    text = "\n".join(refused.value.problems)
    assert "TRAINEE_BOT_API_URL" in text and REJECTED not in text
    with pytest.raises(ConfigError) as refused:
        load_config({"TRAINEE_BOT_API_URL": REJECTED})  # the token pasted in the wrong place
    assert REJECTED not in "\n".join(refused.value.problems)


async def test_a_rejected_token_never_reaches_the_output(tmp_path: Path) -> None:
    telegram = FakeTelegram(token="123456:the-one-the-server-knows", bot_username="x_bot")
    sandbox = Sandbox(telegram, build_demo(datetime(2026, 12, 7, tzinfo=UTC)))
    runner = await start_server(sandbox, 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    env = {
        **os.environ,
        "TRAINEE_BOT_TOKEN": REJECTED,
        "TRAINEE_BOT_API_URL": url,
        "TRAINEE_BOT_DB": str(tmp_path / "bot.sqlite3"),
    }
    try:
        for command in (["run"], ["invites", "--out", str(tmp_path / "i.csv")], ["check"]):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--log-level",
                "DEBUG",
                *command,
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(process.communicate(), 60)
            printed = (out + err).decode()
            assert process.returncode != 0, command
            if command[0] != "check":  # check reports it among its problems, redacted
                assert "TRAINEE_BOT_TOKEN" in printed, printed  # said plainly, not a traceback
            assert REJECTED not in printed and REJECTED.split(":")[1] not in printed, command
    finally:
        await runner.cleanup()
