"""trainee-bot export: the records of each class into a folder, every file printed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.config import Config
from bot.docx import text_of
from bot.importer.model import ClassPlan
from storage.db import Database, Tx
from storage.times import to_db
from tests.checkin.support import S01_START


async def _run(argv: list[str]) -> int:
    # main() runs its own event loop: run it in a thread, as the command line would run it.
    return await asyncio.to_thread(main, argv)


async def _second_class(db: Database, name: str) -> None:
    stamp = to_db(S01_START)

    async def op(tx: Tx) -> None:
        other = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, created_at, updated_at)"
            " VALUES (?, '2027-01-04', '2027-01-08', 'Asia/Shanghai', ?, ?)",
            (name, stamp, stamp),
        )
        person = await tx.insert(
            "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
            " VALUES ('新学员', '13700137009', 'inv-new', ?, ?)",
            (stamp, stamp),
        )
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'trainee')",
            (other, person),
        )

    await db.write(op)


async def test_export_writes_the_workbook_and_every_training_file(
    config: Config,
    db: Database,
    example_class: ClassPlan,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "records"
    code = await _run(["export", "--db", str(config.db_path), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out.splitlines()
    book = out / "2026年秋季处级干部进修班-班次档案.xlsx"
    assert printed[0] == f"已写入 {book}"
    files = sorted((out / "files" / "2026年秋季处级干部进修班").glob("*.docx"))
    assert len(files) == 12 and printed[-1].startswith("已写入 12 份培训档案")
    assert all(f"已写入 {f}" in printed for f in files)
    assert book.stat().st_mode & 0o077 == 0  # phones inside: its owner's only
    sheet = load_workbook(book)["签到明细"]
    assert sheet.max_row == 2 + 12 * 10
    wang = next(f for f in files if "王芳" in f.name)
    assert "开班式暨入学教育" in text_of(wang.read_bytes())


async def test_a_class_without_sessions_gives_a_valid_empty_workbook(
    config: Config,
    db: Database,
    example_class: ClassPlan,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _second_class(db, "2027年春季科级干部培训班")
    out = tmp_path / "out"
    code = await _run(["export", "--db", str(config.db_path), "--out", str(out), "--class", "春季"])
    assert code == 0
    [book] = out.glob("*.xlsx")
    assert book.name == "2027年春季科级干部培训班-班次档案.xlsx"
    loaded = load_workbook(book)
    assert loaded.sheetnames == ["考勤汇总", "签到明细", "请假登记", "课程测评", "操作记录"]
    assert loaded["签到明细"].max_row == 2
    summary = list(loaded["考勤汇总"].iter_rows(values_only=True))
    assert summary[2][1] == "新学员" and summary[2][4] == 0 and summary[2][16] is None
    assert "本班次尚无课程" in text_of(next((out / "files").rglob("*.docx")).read_bytes())
    assert "已写入 1 份培训档案" in capsys.readouterr().out


async def test_a_name_of_two_classes_an_unknown_one_and_a_folder_that_cannot_be_written(
    config: Config,
    db: Database,
    example_class: ClassPlan,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _second_class(db, "2027年春季科级干部培训班")
    base = ["export", "--db", str(config.db_path)]
    assert await _run([*base, "--out", str(tmp_path / "a"), "--class", "干部"]) == 1
    err = capsys.readouterr().err
    assert "“干部”对应多个班次" in err and "2027年春季科级干部培训班" in err
    assert await _run([*base, "--out", str(tmp_path / "a"), "--class", "没有这个班"]) == 1
    assert "没有名为“没有这个班”的班次" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert await _run([*base, "--out", str(blocker / "inside")]) == 1
    err = capsys.readouterr().err
    assert f"无法写入 {blocker / 'inside'}" in err and "Traceback" not in err
    assert await _run([*base, "--out", str(blocker), "--locale", "en"]) == 1
    assert f"Cannot write to {blocker}" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


async def test_no_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await _run(["export", "--db", str(tmp_path / "none.sqlite3"), "--out", str(tmp_path)])
    assert code == 2 and "处没有数据库" in capsys.readouterr().err
