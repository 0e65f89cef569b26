"""The assessment and scores sheets through `trainee-bot import`: with the class, or alone
as scores arrive, checked row by row and refused whole, with a dry run."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import main
from tests.conftest import EXAMPLE


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment with the database in a temp folder; returns the db path."""
    for name in ("TOKEN", "API_URL", "DB", "TZ", "LOCALE", "CERT_SECRET"):
        monkeypatch.delenv(f"TRAINEE_BOT_{name}", raising=False)
    db = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("TRAINEE_BOT_DB", str(db))
    return db


def scores(db: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT p.name, s.component, s.score FROM scores s JOIN people p ON p.id = s.person_id"
        ).fetchall()
    return {(name, component): score for name, component, score in rows}


def write_csv(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8-sig")
    return folder


def test_the_class_file_brings_its_scheme_and_scores(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "  考核方案已更新：4 项" in out
    assert "  成绩更新 14 项，涉及 5 人：张伟、王芳、李强、刘洋、陈静" in out
    with sqlite3.connect(env) as conn:
        scheme = conn.execute(
            "SELECT name, weight FROM assessment_components ORDER BY position"
        ).fetchall()
    assert scheme == [("出勤", "30"), ("结业考试", "40"), ("论文", "20"), ("研讨", "10")]
    assert scores(env)[("王芳", "研讨")] == "88"
    assert ("李强", "论文") not in scores(env)
    assert main(["import", str(EXAMPLE)]) == 0
    assert "已是最新，没有变化" in capsys.readouterr().out


def test_scores_arrive_later_alone_and_keep_what_was_there(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    folder = write_csv(
        tmp_path / "later", "scores.csv", "手机号,姓名,论文\n15000150003,李强,81.5\n"
    )
    assert main(["import", str(folder), "--dry-run"]) == 0
    assert "检查通过：“2026年秋季处级干部进修班”，成绩 1 行。这是试运行" in capsys.readouterr().out
    assert ("李强", "论文") not in scores(env)  # a dry run writes nothing
    assert main(["import", str(folder)]) == 0
    assert "  成绩更新 1 项，涉及 1 人：李强" in capsys.readouterr().out
    assert scores(env)[("李强", "论文")] == "81.5"
    assert scores(env)[("李强", "结业考试")] == "78"  # an empty cell keeps what was there
    # A workbook with only its 成绩 sheet does the same.
    book = Workbook()
    sheet = book.active
    sheet.title = "成绩"
    sheet.append(["成绩登记表"])  # a title row above the headers
    sheet.append(["姓名", "手机号", "研讨"])
    sheet.append(["王  芳", 15000150002, 91])  # a padded name, a phone typed as a number
    path = tmp_path / "研讨成绩.xlsx"
    book.save(path)
    assert main(["import", str(path), "--class", "2026年秋季处级干部进修班"]) == 0
    assert scores(env)[("王芳", "研讨")] == "91"


def test_a_bad_scores_sheet_is_refused_whole_row_by_row(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    before = scores(env)
    folder = write_csv(
        tmp_path / "bad",
        "scores.csv",
        "手机号,姓名,结业考试,出勤,体育\n"
        "15000150003,李强,八十,,\n"
        "15000150099,某人,80,,\n"
        "15000150004,王五,101,,\n"
        "13800138001,李红梅,90,,\n"
        "15000150005,陈静,85.125,,\n"
        "15000150005,陈静,85,,\n",
    )
    assert main(["import", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "导入被拒绝：发现 9 处问题，未写入任何内容。请逐条改正后重新导入：",
        "  scores 第 1 行 出勤: 这一项由考勤记录自动计算，不能导入成绩，请删去这一列。",
        "  scores 第 1 行 体育: 考核方案中没有这一项（可导入成绩的项目：结业考试、论文、研讨）。",
        "  scores 第 2 行 结业考试: “八十”不是有效成绩：应为 0 到 100 的数字（最多两位小数）。",
        "  scores 第 3 行 手机号: 手机号 15000150099 不是本班学员（不在名单上，或不是学员）。",
        "  scores 第 4 行 姓名: 姓名“王五”与名单上该手机号的学员“刘洋”不符，请核对手机号。",
        "  scores 第 4 行 结业考试: “101”不是有效成绩：应为 0 到 100 的数字（最多两位小数）。",
        "  scores 第 5 行 手机号: 手机号 13800138001 不是本班学员（不在名单上，或不是学员）。",
        "  scores 第 6 行 结业考试: “85.125”不是有效成绩：应为 0 到 100 的数字（最多两位小数）。",
        "  scores 第 7 行 手机号: 手机号 15000150005 与第 6 行是同一学员，请合并为一行。",
    ]
    assert scores(env) == before


def test_a_scheme_whose_weights_are_not_100_is_refused_with_the_class(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "class"
    shutil.copytree(EXAMPLE, folder)
    write_csv(folder, "assessment.csv", "考核项目,权重\n出勤,30\n结业考试,40\n论文,20\n研讨,0\n")
    assert main(["import", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "assessment 第 5 行 权重: 权重“0”应为大于 0、不超过 100 的数字" in err
    write_csv(folder, "assessment.csv", "考核项目,权重\n出勤,30\n结业考试,40\n论文,20\n论文,5\n")
    assert main(["import", str(folder)]) == 1
    assert "assessment 第 5 行 考核项目: 考核项目“论文”与第 4 行重复。" in capsys.readouterr().err
    write_csv(folder, "assessment.csv", "考核项目,权重\n出勤,30\n结业考试,40\n论文,20\n")
    assert main(["import", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "assessment 权重: 各项权重之和是 90，应为 100。" in err
    assert not env.exists() or scores(env) == {}  # refused whole: no class, no scores


def test_scores_need_a_scheme_and_a_class(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plain"
    shutil.copytree(EXAMPLE, folder)
    (folder / "assessment.csv").unlink()
    assert main(["import", str(folder)]) == 1
    assert "scores: 这个班次还没有考核方案" in capsys.readouterr().err
    (folder / "scores.csv").unlink()
    assert main(["import", str(folder)]) == 0
    later = write_csv(tmp_path / "later", "scores.csv", "手机号,姓名,论文\n15000150003,李强,80\n")
    assert main(["import", str(later)]) == 1
    assert "scores: 这个班次还没有考核方案" in capsys.readouterr().err
    other = tmp_path / "other"
    shutil.copytree(EXAMPLE, other)
    (other / "class.csv").write_text(
        (EXAMPLE / "class.csv").read_text("utf-8-sig").replace("2026年秋季", "2027年春季"),
        encoding="utf-8-sig",
    )
    assert main(["import", str(other)]) == 0
    capsys.readouterr()
    assert main(["import", str(later)]) == 2
    assert "请用 --class 指明是哪个班次" in capsys.readouterr().err
    # The other class has a scheme (its file has one): the scores go to it alone.
    assert main(["import", str(later), "--class", "2027年春季处级干部进修班"]) == 0
    assert "已更新“2027年春季处级干部进修班”的结业考核" in capsys.readouterr().out
