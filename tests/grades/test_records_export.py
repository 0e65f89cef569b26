"""The final assessment in the class's records: the attendance summary's last columns, the
training file's section and the certificates, as `trainee-bot export` writes them; nothing
of it before the results are published."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import cli_tasks, docx
from bot.cli import build_parser
from bot.config import Config
from storage.db import Database
from tests.grades.support import WANG, cast, pid
from tests.grades.test_certificates import _published
from tests.harness import BotHarness

CLASS = "2026年秋季处级干部进修班"


async def _export(config: Config, out: Path) -> None:
    args = build_parser().parse_args(["export", "--out", str(out), "--class", CLASS])
    assert await cli_tasks.dispatch(args, config) == 0


def _summary_row(out: Path, name: str) -> dict[str, object]:
    [book_path] = out.glob("*.xlsx")
    sheet = load_workbook(book_path)["考勤汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[1] == "姓名")
    row = next(r for r in rows if r and r[1] == name)
    return dict(zip(header, row, strict=True))


def _training_file(out: Path, name: str) -> str:
    [path] = (out / "files" / CLASS).glob(f"*-{name}-*.docx")
    return docx.text_of(path.read_bytes())


async def test_published_results_join_the_summary_the_training_file_and_the_certificates(
    bot: BotHarness,
    db: Database,
    config: Config,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number, _ = await _published(bot, db)
    told = await db.fetchone(
        "SELECT json_extract(result, '$.score') FROM grade_results WHERE person_id = ?",
        (await pid(db, WANG),),
    )
    out = tmp_path / "records"
    await _export(config, out)

    row = _summary_row(out, "王芳")
    assert row["结业成绩"] == float(told[0])
    assert row["等次"] in {"优秀", "良好", "合格"}
    assert row["结业情况"] == "准予结业"
    text = _training_file(out, "王芳")
    assert f"考核成绩：{told[0]}" in text
    assert "结业情况：准予结业" in text
    assert f"结业证书编号：{number}" in text
    assert "待结业考核后填写" not in text
    [certificate] = (out / "certificates" / CLASS).glob(f"{number}-*.docx")
    assert f"证书编号：{number}" in docx.text_of(certificate.read_bytes())
    assert str(certificate) in capsys.readouterr().out  # every file written is printed


async def test_before_publication_the_records_leave_the_assessment_to_be_completed(
    bot: BotHarness, db: Database, config: Config, tmp_path: Path
) -> None:
    people = await cast(bot)
    [shown] = await people.manager.says("/grades")  # scores are in, nothing published
    assert "发布" in shown.text
    out = tmp_path / "records"
    await _export(config, out)

    row = _summary_row(out, "王芳")
    assert (row["结业成绩"], row["等次"], row["结业情况"]) == (None, None, None)
    assert "待结业考核后填写" in _training_file(out, "王芳")
    assert not (out / "certificates").exists()
