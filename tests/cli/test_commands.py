"""The trainee-bot command: import, invites, check, run, as a school's staff would use them."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.conftest import EXAMPLE


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment with the database in a temp folder; returns the db path."""
    for name in ("TOKEN", "API_URL", "DB", "TZ", "LOCALE"):
        monkeypatch.delenv(f"TRAINEE_BOT_{name}", raising=False)
    db = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("TRAINEE_BOT_DB", str(db))
    return db


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in ("schema_migrations", "sqlite_sequence")
        ]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for command in ("run", "import", "invites", "check"):
        with pytest.raises(SystemExit) as done:
            parser.parse_args([command, "--help"])
        assert done.value.code == 0
        assert len(capsys.readouterr().out) > 200


def test_import_then_import_again_reports_no_changes(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    first = capsys.readouterr().out
    assert "2026年秋季处级干部进修班" in first
    counts = table_counts(env)
    assert counts["people"] > 10 and counts["sessions"] > 5
    assert main(["import", str(EXAMPLE)]) == 0
    assert "没有变化" in capsys.readouterr().out
    counts.pop("audit_log")
    again = table_counts(env)
    again.pop("audit_log")
    assert again == counts


def test_a_timetable_edit_is_a_reimport_that_says_what_changed(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "class"
    shutil.copytree(EXAMPLE, folder)
    assert main(["import", str(folder)]) == 0
    capsys.readouterr()
    schedule = folder / "schedule.csv"
    text = schedule.read_text("utf-8-sig")
    first_row = text.splitlines()[1]
    schedule.write_text(text.replace(first_row, first_row.replace("08:30", "09:00", 1)), "utf-8")
    assert main(["import", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "课程变更：开班式暨入学教育（开始时间）" in out and "没有变化" not in out


def a_large_class(tmp_path: Path) -> Path:
    """The example class with 232 more trainees, so the roster takes three progress lines."""
    folder = tmp_path / "large"
    shutil.copytree(EXAMPLE, folder)
    roster = folder / "roster.csv"
    extra = [f"学员{n},139{n:08d},学员,单位{n}" for n in range(232)]
    roster.write_text(roster.read_text("utf-8-sig").rstrip("\n") + "\n" + "\n".join(extra), "utf-8")
    return folder


@pytest.mark.parametrize(
    ("locale", "checked", "written"),
    [
        ("zh", "roster：已检查 {}/250 行", "roster：已写入 {}/250 行"),
        ("en", "roster: checked {}/250 rows", "roster: written {}/250 rows"),
    ],
)
def test_import_progress_says_checking_then_writing_each_line_once(
    env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    locale: str,
    checked: str,
    written: str,
) -> None:
    assert main(["import", str(a_large_class(tmp_path)), "--locale", locale]) == 0
    lines = capsys.readouterr().err.splitlines()
    roster = [line for line in lines if line.startswith("roster")]
    assert roster == [checked.format(n) for n in (100, 200, 250)] + [
        written.format(n) for n in (100, 200, 250)
    ]
    assert len(set(lines)) == len(lines)  # no progress line printed twice
    schedule = [line for line in lines if line.startswith("schedule")]
    assert len(schedule) == 2 and schedule[0] != schedule[1]


def test_a_dry_run_only_checks(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(a_large_class(tmp_path)), "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "已检查 250/250 行" in err and "已写入" not in err


def test_a_bad_file_is_refused_whole_with_every_problem(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(EXAMPLE, folder)
    roster = folder / "roster.csv"
    lines = roster.read_text("utf-8-sig").splitlines()
    lines.append(lines[-1])  # a duplicate phone
    roster.write_text("\n".join(lines) + "\n", "utf-8")
    assert main(["import", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "roster" in err
    assert not env.exists() or table_counts(env).get("people", 0) == 0


def test_invites_csv_has_a_link_per_person(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    out = tmp_path / "invites.csv"
    assert main(["invites", "--out", str(out), "--bot-username", "@school_bot"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese right
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert len(body) == table_counts(env)["people"]
    links = [
        row[header.index(next(h for h in header if "link" in h.lower() or "链接" in h))]
        for row in body
    ]
    assert all(link.startswith("https://t.me/school_bot?start=") for link in links)
    assert len(set(links)) == len(links)


def test_invites_without_a_username_or_token_says_what_to_do(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    assert main(["invites"]) == 2
    assert "--bot-username" in capsys.readouterr().err


def test_check_reports_a_good_database_offline(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    assert main(["check", "--offline"]) == 0
    out = capsys.readouterr().out
    # In the configured language (zh by default), saying plainly that no token is set.
    assert "培训班 1 个" in out and "没有设置 bot token" in out
    assert out.rstrip().endswith("ok：数据库和配置正常，但缺少 token，还不能运行机器人")
    assert main(["check", "--offline", "--locale", "en"]) == 0
    out = capsys.readouterr().out
    assert "classes: 1" in out and "no bot token set" in out
    assert out.rstrip().endswith("ok, but no token yet: the bot cannot run")


def test_check_reports_bad_configuration(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRAINEE_BOT_TZ", "Nowhere/Land")
    assert main(["check", "--offline"]) == 2
    assert "TRAINEE_BOT_TZ" in capsys.readouterr().err


def test_check_reports_an_unreadable_database(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.write_bytes(b"this is not a database" * 100)
    assert main(["check", "--offline"]) == 1
    assert "问题：无法读取数据库" in capsys.readouterr().err


def test_run_without_a_token_points_to_the_sandbox(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "没有 bot token" in err and "trainee-bot sandbox" in err
    assert main(["run", "--locale", "en"]) == 2
    assert "no bot token" in capsys.readouterr().err


def test_unbind_frees_a_place_and_keeps_the_person(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(EXAMPLE)]) == 0
    with sqlite3.connect(env) as conn:
        conn.execute("UPDATE people SET telegram_user_id = 4242 WHERE phone = '15000150002'")
    capsys.readouterr()
    assert main(["unbind", "150-0015-0002"]) == 0
    assert "已解除" in capsys.readouterr().out
    assert main(["unbind", "+86 150 0015 0002"]) == 0
    assert "无需解绑" in capsys.readouterr().out
    assert main(["unbind", "13000000000"]) == 1
    assert "没有手机号" in capsys.readouterr().err
    with sqlite3.connect(env) as conn:
        bound = conn.execute(
            "SELECT telegram_user_id FROM people WHERE phone = '15000150002'"
        ).fetchone()
        audits = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'unbind'").fetchone()
    assert (bound[0], audits[0]) == (None, 1)
