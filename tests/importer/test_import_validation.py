"""A bad file is refused whole, with every problem located by sheet, row and column."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.importer import ImportRefused, Problem, describe_problem, load_class_plan
from bot.texts import Texts
from storage.db import Database
from storage.imports import apply_plan
from tests.importer.conftest import Sheets, Writer, edit


def refused(path: Path, **options: object) -> list[Problem]:
    """The problems a file is refused with; fails the test if it is accepted."""
    with pytest.raises(ImportRefused) as caught:
        load_class_plan(path, **options)  # type: ignore[arg-type]
    return list(caught.value.problems)


def where(problems: list[Problem]) -> list[tuple[str, str, int | None, str | None]]:
    return [(p.code, p.sheet, p.row, p.column) for p in problems]


def five_mistakes(sheets: Sheets) -> Sheets:
    """The good class with five different mistakes, one per kind the issue names."""
    sheets = edit(sheets, "class", 2, "开始日期", "2026-02-30")  # a bad date
    sheets = edit(sheets, "schedule", 3, "结束时间", "2026-12-07 14:00")  # ends before it starts
    sheets = edit(sheets, "roster", 3, "角色", "学员、班长")  # an unknown role
    sheets = edit(sheets, "roster", 4, "手机号", "150-0015-0002")  # 王芳's phone again
    return edit(sheets, "schedule", 5, "授课教师", "刘洋")  # an instructor not on the roster


FIVE_ZH = [
    "class 第 2 行 开始日期: “2026-02-30”不是有效日期"
    "（可写 2026-12-07、2026/12/7 或 2026年12月7日）。",
    "roster 第 3 行 角色: 不认识角色“班长”（可用：学员、班主任、纪律委员、授课教师、管理员）。",
    "roster 第 4 行 手机号: 手机号 15000150002 与第 3 行重复；一个人只占一行，多个角色写在同一格。",
    "schedule 第 3 行 结束时间: 结束时间 2026-12-07 14:00 不晚于开始时间 2026-12-07 14:30。",
    "schedule 第 5 行 授课教师: 授课教师“刘洋”不在名单（roster）中，"
    "请先把他/她加入名单并标为授课教师。",
]
FIVE_EN = [
    'class row 2, column 开始日期: "2026-02-30" is not a date'
    " (write 2026-12-07, 2026/12/7 or 2026年12月7日).",
    'roster row 3, column 角色: unknown role "班长"'
    " (roles: trainee, manager, monitor, instructor, admin).",
    "roster row 4, column 手机号: phone 15000150002 is also on row 3;"
    " one row per person, with all their roles in one cell.",
    "schedule row 3, column 结束时间: the end 2026-12-07 14:00 is not after the start"
    " 2026-12-07 14:30.",
    'schedule row 5, column 授课教师: instructor "刘洋" is not on the roster;'
    " add them with the instructor role.",
]


def test_five_mistakes_give_five_precise_messages(
    write_source: Writer, good_sheets: Sheets
) -> None:
    problems = refused(write_source(five_mistakes(good_sheets)))
    assert where(problems) == [
        ("bad_date", "class", 2, "开始日期"),
        ("unknown_role", "roster", 3, "角色"),
        ("duplicate_phone", "roster", 4, "手机号"),
        ("end_before_start", "schedule", 3, "结束时间"),
        ("unknown_instructor", "schedule", 5, "授课教师"),
    ]
    texts = Texts()
    assert [describe_problem(texts, "zh", p) for p in problems] == FIVE_ZH
    assert [describe_problem(texts, "en", p) for p in problems] == FIVE_EN


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment for the command line; returns the database path."""
    for name in ("TOKEN", "API_URL", "DB", "TZ", "LOCALE"):
        monkeypatch.delenv(f"TRAINEE_BOT_{name}", raising=False)
    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("TRAINEE_BOT_DB", str(db))
    return db


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to compare before and after."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_command_refuses_five_mistakes_and_writes_nothing(
    env: Path,
    write_source: Writer,
    good_sheets: Sheets,
    capsys: pytest.CaptureFixture[str],
    locale: str,
) -> None:
    # A class already in the database, then a bad edit of it: nothing of the edit lands.
    assert main(["import", str(write_source(good_sheets)), "--locale", locale]) == 0
    before = snapshot(env)
    capsys.readouterr()
    assert main(["import", str(write_source(five_mistakes(good_sheets))), "--locale", locale]) == 1
    out = capsys.readouterr()
    lines = [line.strip() for line in out.err.splitlines() if line.startswith("  ")]
    assert lines == (FIVE_ZH if locale == "zh" else FIVE_EN)
    assert ("5 处问题" if locale == "zh" else "5 problem(s)") in out.err
    assert out.out == ""
    assert snapshot(env) == before


def test_a_refused_first_import_creates_no_database(
    env: Path, write_csv: Callable[..., Path], good_sheets: Sheets
) -> None:
    assert main(["import", str(write_csv(five_mistakes(good_sheets)))]) == 1
    assert not env.exists()


# Every other kind of mistake, one at a time: the code and where it points.


def test_a_missing_required_column_is_named_once_not_on_every_row(
    write_source: Writer, good_sheets: Sheets
) -> None:
    for row in good_sheets["roster"]:
        del row[1]  # no phone column
    problems = refused(write_source(good_sheets))
    assert where(problems) == [("missing_column", "roster", None, "phone")]
    assert problems[0].params["expected"].startswith("phone / 手机号")
    assert "手机号" in describe_problem(Texts(), "zh", problems[0])


def test_missing_columns_in_every_sheet_are_all_listed(
    write_source: Writer, good_sheets: Sheets
) -> None:
    for sheet, column in (("class", 2), ("roster", 2), ("schedule", 1)):
        for row in good_sheets[sheet]:
            del row[column]
    assert where(refused(write_source(good_sheets))) == [
        ("missing_column", "class", None, "end_date"),
        ("missing_column", "roster", None, "role"),
        ("missing_column", "schedule", None, "title"),
    ]


def test_a_missing_sheet_in_a_workbook(write_xlsx: Writer, good_sheets: Sheets) -> None:
    del good_sheets["schedule"]
    good_sheets["Sheet1"] = [["课程", "开始时间"]]
    [problem] = refused(write_xlsx(good_sheets))
    assert where([problem]) == [("missing_sheet", "schedule", None, None)]
    assert problem.params["found"] == "class, roster, Sheet1"
    message = describe_problem(Texts(), "en", problem)
    assert "schedule / 课表 / 课程表" in message and "Sheet1" in message


def test_a_missing_file_in_a_folder(write_csv: Callable[..., Path], good_sheets: Sheets) -> None:
    del good_sheets["roster"]
    folder = write_csv(good_sheets)
    [problem] = refused(folder)
    assert where([problem]) == [("missing_file", "roster", None, None)]
    assert "roster.csv" in describe_problem(Texts(), "zh", problem)


@pytest.mark.parametrize(
    ("name", "code"),
    [("nowhere", "not_found"), ("class.xls", "old_workbook"), ("class.txt", "unsupported_source")],
)
def test_a_path_that_is_no_class(tmp_path: Path, name: str, code: str) -> None:
    path = tmp_path / name
    if code != "not_found":
        path.write_bytes(b"\xd0\xcf\x11\xe0 not a workbook")
    [problem] = refused(path)
    assert problem.code == code
    for locale in ("zh", "en"):
        assert str(path) in describe_problem(Texts(), locale, problem)


def test_a_broken_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "class.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    [problem] = refused(path)
    assert problem.code == "unreadable"


def test_an_empty_roster(write_source: Writer, good_sheets: Sheets) -> None:
    good_sheets["roster"] = good_sheets["roster"][:1]
    # The sessions' instructor is now unknown too: both are listed.
    assert where(refused(write_source(good_sheets))) == [
        ("no_rows", "roster", None, None),
        ("unknown_instructor", "schedule", 2, "授课教师"),
        ("unknown_instructor", "schedule", 3, "授课教师"),
        ("unknown_instructor", "schedule", 5, "授课教师"),
    ]


def test_an_empty_roster_file(write_csv: Callable[..., Path], good_sheets: Sheets) -> None:
    good_sheets["roster"] = []
    # Without a roster at all, instructors cannot be checked: one problem, not four.
    assert where(refused(write_csv(good_sheets))) == [("empty_sheet", "roster", None, None)]


def test_a_class_sheet_without_its_row(write_source: Writer, good_sheets: Sheets) -> None:
    good_sheets["class"] = good_sheets["class"][:1]
    assert where(refused(write_source(good_sheets))) == [("no_class_row", "class", None, None)]


def test_a_class_sheet_takes_one_row(write_source: Writer, good_sheets: Sheets) -> None:
    good_sheets["class"].append(["另一个班", "2026-12-09", "2026-12-10", "none"])
    problems = refused(write_source(good_sheets))
    assert where(problems) == [("extra_class_row", "class", 3, None)]
    assert problems[0].params == {"first_row": "2"}


def test_an_unknown_column_in_the_class_sheet(write_source: Writer, good_sheets: Sheets) -> None:
    good_sheets["class"][0].append("late_grace_minutes")  # misspelt late_grace_min
    good_sheets["class"][1].append("10")
    problems = refused(write_source(good_sheets))
    assert where(problems) == [("unknown_column", "class", 1, "late_grace_minutes")]
    assert "late_grace_minutes" in describe_problem(Texts(), "zh", problems[0])


def test_extra_columns_in_roster_and_schedule_are_ignored(
    write_source: Writer, good_sheets: Sheets
) -> None:
    for sheet in ("roster", "schedule"):
        for number, row in enumerate(good_sheets[sheet]):
            row.append("备注" if number == 0 else "随便写")
    assert len(load_class_plan(write_source(good_sheets)).people) == 4


def test_a_column_given_twice(write_source: Writer, good_sheets: Sheets) -> None:
    for number, row in enumerate(good_sheets["roster"]):
        row.append("phone" if number == 0 else "13900139000")
    assert where(refused(write_source(good_sheets))) == [("duplicate_column", "roster", 1, "phone")]


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "code"),
    [
        ("class", 2, "结束日期", "2026-12-06", "class_end_before_start"),
        ("class", 2, "班次名称", None, "missing_value"),
        ("class", 2, "开始日期", "12/07/2026", "bad_date"),
        ("roster", 2, "手机号", "010-88888888", "bad_phone"),
        ("roster", 3, "手机号", "1500015000", "bad_phone"),
        ("roster", 4, "姓名", None, "missing_value"),
        ("roster", 5, "角色", None, "missing_value"),
        ("roster", 5, "角色", "、", "missing_value"),
        ("schedule", 2, "开始时间", "2026-12-07 25:00", "bad_datetime"),
        ("schedule", 2, "开始时间", "明天上午", "bad_datetime"),
        ("schedule", 3, "结束时间", "2026-12-07 14:30", "end_before_start"),
        ("schedule", 3, "学时", "三", "bad_hours"),
        ("schedule", 3, "学时", "-1", "bad_hours"),
        ("schedule", 4, "课程", None, "missing_value"),
        ("schedule", 5, "编号", "S1", "duplicate_session_id"),
    ],
)
def test_one_bad_cell(
    write_source: Writer,
    good_sheets: Sheets,
    sheet: str,
    row: int,
    column: str,
    value: object,
    code: str,
) -> None:
    problems = refused(write_source(edit(good_sheets, sheet, row, column, value)))
    assert where(problems) == [(code, sheet, row, column)]
    for locale in ("zh", "en"):
        message = describe_problem(Texts(), locale, problems[0])
        assert code not in message  # a real message, not the fallback that names the code
        assert column in message


def test_an_instructor_must_hold_the_role(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = edit(good_sheets, "schedule", 2, "授课教师", "王芳、陈志远")
    problems = refused(write_source(sheets))
    assert where(problems) == [("not_instructor", "schedule", 2, "授课教师")]
    assert problems[0].params["value"] == "王芳"
    assert "王芳" in describe_problem(Texts(), "zh", problems[0])


def test_two_instructors_of_one_name_are_ambiguous(
    write_source: Writer, good_sheets: Sheets
) -> None:
    good_sheets["roster"].append(["陈志远", "13900139000", "授课教师", "大学"])
    problems = refused(write_source(good_sheets))
    assert where(problems) == [
        ("ambiguous_instructor", "schedule", row, "授课教师") for row in (2, 3, 5)
    ]


def test_a_namesake_without_the_role_is_not_ambiguous(
    write_source: Writer, good_sheets: Sheets
) -> None:
    good_sheets["roster"].append(["陈志远", "13900139000", "学员", "大学"])
    plan = load_class_plan(write_source(good_sheets))
    assert plan.sessions[0].instructor_phones == ("13800138002",)


def test_several_instructors_keep_their_order(write_source: Writer, good_sheets: Sheets) -> None:
    good_sheets["roster"].append(["赵敏", "13900139000", "instructor", "大学"])
    sheets = edit(good_sheets, "schedule", 3, "授课教师", "赵敏，陈志远")
    plan = load_class_plan(write_source(sheets))
    assert plan.sessions[1].instructor_phones == ("13900139000", "13800138002")


def test_a_bad_phone_is_not_reported_again_on_its_sessions(
    write_source: Writer, good_sheets: Sheets
) -> None:
    sheets = edit(good_sheets, "roster", 2, "手机号", "12345")
    assert where(refused(write_source(sheets))) == [("bad_phone", "roster", 2, "手机号")]


def a_new_instructor_with_someone_elses_phone(sheets: Sheets) -> Sheets:
    sheets["roster"].append(["赵敏", "15000150002", "授课教师", "大学"])
    return edit(sheets, "schedule", 3, "授课教师", "赵敏")


def the_role_on_a_second_row(sheets: Sheets) -> Sheets:
    # The same person again on a row of their own for the second role.
    sheets["roster"].append(["陈志远", "13800138002", "授课教师", "党校"])
    return edit(sheets, "roster", 2, "角色", "班主任")


def the_same_person_twice(sheets: Sheets) -> Sheets:
    # Both rows hold the role: still one instructor, not two of the same name.
    sheets["roster"].append(["陈志远", "13800138002", "班主任、授课教师", "党校"])
    return sheets


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        (a_new_instructor_with_someone_elses_phone, ("duplicate_phone", "roster", 6, "手机号")),
        (the_role_on_a_second_row, ("duplicate_phone", "roster", 6, "手机号")),
        (the_same_person_twice, ("duplicate_phone", "roster", 6, "手机号")),
        (
            lambda s: edit(s, "roster", 2, "角色", "班主任、教授"),
            ("unknown_role", "roster", 2, "角色"),
        ),
        (lambda s: edit(s, "roster", 2, "角色", None), ("missing_value", "roster", 2, "角色")),
    ],
    ids=["new-instructor", "second-row", "twice", "unknown-role", "no-role"],
)
def test_one_mistake_on_an_instructors_row_is_one_message(
    write_source: Writer,
    good_sheets: Sheets,
    mistake: Callable[[Sheets], Sheets],
    expected: tuple[str, str, int, str],
) -> None:
    # Not again on every session that names the instructor: the roster row says it all.
    assert where(refused(write_source(mistake(good_sheets)))) == [expected]


def test_a_namesake_refused_on_the_roster_still_leaves_a_clear_instructor(
    write_source: Writer, good_sheets: Sheets
) -> None:
    good_sheets["roster"].append(["陈志远", "13900139000", "学员、班长", "大学"])
    sheets = edit(good_sheets, "schedule", 3, "授课教师", "王芳")  # a real mistake remains
    assert where(refused(write_source(sheets))) == [
        ("unknown_role", "roster", 6, "角色"),
        ("not_instructor", "schedule", 3, "授课教师"),
    ]


def test_the_command_shows_one_line_for_a_duplicate_instructor_phone(
    env: Path,
    write_csv: Callable[..., Path],
    good_sheets: Sheets,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good_sheets["roster"].append(["赵敏", "15000150002", "授课教师", "大学"])
    sheets = edit(good_sheets, "schedule", 3, "授课教师", "赵敏")
    assert main(["import", str(write_csv(sheets))]) == 1
    err = capsys.readouterr().err
    assert "1 处问题" in err
    assert [line.strip() for line in err.splitlines() if line.startswith("  ")] == [
        "roster 第 6 行 手机号: 手机号 15000150002 与第 3 行重复；"
        "一个人只占一行，多个角色写在同一格。"
    ]
    assert not env.exists()


def test_a_session_outside_the_class_dates(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = edit(good_sheets, "schedule", 2, "开始时间", "2026-12-06 08:30")
    sheets = edit(sheets, "schedule", 5, "结束时间", "2026-12-09 15:30")
    problems = refused(write_source(sheets))
    assert where(problems) == [
        ("session_outside_class", "schedule", 2, "开始时间"),
        ("session_outside_class", "schedule", 5, "结束时间"),
    ]
    assert describe_problem(Texts(), "en", problems[0]) == (
        "schedule row 2, column 开始时间: 2026-12-06 08:30 is outside the class's dates,"
        " 2026-12-07 to 2026-12-08."
    )


def test_the_class_dates_are_local_not_utc(write_source: Writer, good_sheets: Sheets) -> None:
    # 07:30 on the first day in Shanghai is 23:30 UTC the day before: still inside.
    sheets = edit(good_sheets, "schedule", 2, "开始时间", "2026-12-07 07:30")
    assert load_class_plan(write_source(sheets)).sessions[0].starts_at == datetime(
        2026, 12, 6, 23, 30, tzinfo=UTC
    )


def test_a_bad_class_date_does_not_flag_every_session(
    write_source: Writer, good_sheets: Sheets
) -> None:
    sheets = edit(good_sheets, "class", 2, "结束日期", "2026-12-01")
    assert where(refused(write_source(sheets))) == [
        ("class_end_before_start", "class", 2, "结束日期")
    ]


def test_a_duplicate_session_without_an_id(write_source: Writer, good_sheets: Sheets) -> None:
    # Without ids, a session is known by title and start: two alike could never be told
    # apart by the next import.
    for row in good_sheets["schedule"]:
        del row[0]
    good_sheets["schedule"].append(list(good_sheets["schedule"][1]))
    problems = refused(write_source(good_sheets))
    assert where(problems) == [("duplicate_session", "schedule", 6, "课程")]
    assert problems[0].params["first_row"] == "2"
    for locale in ("zh", "en"):
        message = describe_problem(Texts(), locale, problems[0])
        assert "duplicate_session" not in message and "2" in message


def test_sessions_alike_but_for_their_ids_are_fine(
    write_source: Writer, good_sheets: Sheets
) -> None:
    good_sheets["schedule"].append(["S5", *good_sheets["schedule"][1][1:]])
    assert len(load_class_plan(write_source(good_sheets)).sessions) == 5


@pytest.mark.parametrize(
    ("starts", "ends", "hours"),
    [
        ("08:30", "11:30", 3.0),
        ("08:30", "11:15", 3.0),  # 2.75 h: halves round up
        ("14:30", "16:15", 2.0),  # 1.75 h
        ("08:00", "08:40", 0.5),  # 40 min: nearest half hour
        ("08:00", "08:44", 0.5),
        ("08:00", "08:45", 1.0),  # 0.75 h: up
        ("08:00", "08:10", 0.0),
        ("08:00", "10:14", 2.0),
    ],
)
def test_hours_derived_when_empty(
    write_source: Writer, good_sheets: Sheets, starts: str, ends: str, hours: float
) -> None:
    sheets = edit(good_sheets, "schedule", 2, "开始时间", f"2026-12-07 {starts}")
    sheets = edit(sheets, "schedule", 2, "结束时间", f"2026-12-07 {ends}")
    sheets = edit(sheets, "schedule", 2, "学时", None)
    assert load_class_plan(write_source(sheets)).sessions[0].hours == hours


def test_hours_written_are_kept(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = edit(good_sheets, "schedule", 2, "学时", "2.5")
    assert load_class_plan(write_source(sheets)).sessions[0].hours == 2.5


def test_without_an_hours_column_every_session_derives_them(
    write_source: Writer, good_sheets: Sheets
) -> None:
    for row in good_sheets["schedule"]:
        del row[6]
    plan = load_class_plan(write_source(good_sheets))
    assert [s.hours for s in plan.sessions] == [3.0, 3.0, 3.0, 1.0]


def berlin(sheets: Sheets, day: str, starts: str, ends: str) -> Sheets:
    sheets["class"][0].append("时区")
    sheets["class"][1].append("Europe/Berlin")
    sheets = edit(sheets, "class", 2, "开始日期", day)
    sheets = edit(sheets, "class", 2, "结束日期", "2026-12-08")
    sheets = edit(sheets, "schedule", 2, "开始时间", f"{day} {starts}")
    return edit(sheets, "schedule", 2, "结束时间", f"{day} {ends}")


def test_a_local_time_skipped_by_daylight_saving(write_source: Writer, good_sheets: Sheets) -> None:
    # Berlin's clocks jump from 02:00 to 03:00 on 29 March 2026: 02:30 never happens.
    problems = refused(write_source(berlin(good_sheets, "2026-03-29", "02:30", "04:00")))
    assert where(problems) == [("nonexistent_time", "schedule", 2, "开始时间")]
    assert problems[0].params == {"value": "2026-03-29 02:30", "timezone": "Europe/Berlin"}
    assert describe_problem(Texts(), "en", problems[0]) == (
        "schedule row 2, column 开始时间: 2026-03-29 02:30 does not exist in Europe/Berlin"
        " (skipped when the clocks go forward)."
    )


def test_a_local_time_repeated_by_daylight_saving(
    write_source: Writer, good_sheets: Sheets
) -> None:
    # On 25 October 2026 Berlin lives 02:00-03:00 twice.
    problems = refused(write_source(berlin(good_sheets, "2026-10-25", "01:00", "02:30")))
    assert where(problems) == [("ambiguous_time", "schedule", 2, "结束时间")]


def test_times_around_daylight_saving_are_placed_right(
    write_source: Writer, good_sheets: Sheets
) -> None:
    # 01:30 CET to 03:30 CEST is one hour of real time.
    plan = load_class_plan(write_source(berlin(good_sheets, "2026-03-29", "01:30", "03:30")))
    session = plan.sessions[0]
    assert session.starts_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert session.ends_at - session.starts_at == datetime(2026, 1, 1, 1) - datetime(2026, 1, 1)
    assert plan.timezone == "Europe/Berlin"


def test_an_explicit_offset_is_taken_as_written(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = edit(good_sheets, "schedule", 2, "开始时间", "2026-12-07T00:30Z")
    assert load_class_plan(write_source(sheets)).sessions[0].starts_at == datetime(
        2026, 12, 7, 0, 30, tzinfo=UTC
    )


def test_a_bad_time_zone(write_source: Writer, good_sheets: Sheets) -> None:
    good_sheets["class"][0].append("时区")
    good_sheets["class"][1].append("Asia/Beijing")
    problems = refused(write_source(good_sheets))
    assert where(problems) == [("bad_timezone", "class", 2, "时区")]


def test_the_time_zone_defaults_to_the_configured_one(
    write_source: Writer, good_sheets: Sheets
) -> None:
    plan = load_class_plan(write_source(good_sheets), default_timezone="Asia/Tokyo")
    assert plan.timezone == "Asia/Tokyo"
    assert plan.sessions[0].starts_at == datetime(2026, 12, 6, 23, 30, tzinfo=UTC)


def test_problems_are_listed_in_reading_order(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = edit(good_sheets, "schedule", 5, "学时", "x")
    sheets = edit(sheets, "schedule", 2, "学时", "y")
    sheets = edit(sheets, "roster", 5, "角色", "学员、校长、院长")
    assert where(refused(write_source(sheets))) == [
        ("unknown_role", "roster", 5, "角色"),
        ("unknown_role", "roster", 5, "角色"),
        ("bad_hours", "schedule", 2, "学时"),
        ("bad_hours", "schedule", 5, "学时"),
    ]


def test_progress_every_hundred_rows_and_at_the_end(
    write_csv: Callable[..., Path], good_sheets: Sheets
) -> None:
    # A class of 900 (the largest planned headcount in the seeds).
    good_sheets["roster"] += [[f"学员{n}", f"139{n:08d}", "学员", None] for n in range(896)]
    calls: list[tuple[str, int, int]] = []
    plan = load_class_plan(write_csv(good_sheets), progress=lambda *call: calls.append(call))
    assert len(plan.people) == 900
    assert [c for c in calls if c[0] == "roster"] == [
        ("roster", done, 900) for done in range(100, 1000, 100)
    ]
    assert [c for c in calls if c[0] == "schedule"] == [("schedule", 4, 4)]


def test_progress_ends_at_an_odd_count(write_csv: Callable[..., Path], good_sheets: Sheets) -> None:
    good_sheets["roster"] += [[f"学员{n}", f"139{n:08d}", "学员", None] for n in range(246)]
    calls: list[tuple[str, int, int]] = []
    load_class_plan(write_csv(good_sheets), progress=lambda *call: calls.append(call))
    assert [done for sheet, done, _ in calls if sheet == "roster"] == [100, 200, 250]


async def test_a_refused_plan_never_reaches_the_database(
    db: Database, write_source: Writer, good_sheets: Sheets
) -> None:
    # load_class_plan raises before there is a plan to apply: the database stays empty.
    with pytest.raises(ImportRefused):
        plan = load_class_plan(write_source(five_mistakes(good_sheets)))
        await apply_plan(db, plan, datetime(2026, 12, 1, tzinfo=UTC))
    assert await db.fetchall("SELECT id FROM classes") == []
    assert await db.fetchall("SELECT id FROM people") == []


# Every problem the importer can report has its own message in both languages.
PROBLEM_CODES = [
    "not_found",
    "unsupported_source",
    "old_workbook",
    "unreadable",
    "missing_sheet",
    "missing_file",
    "duplicate_sheet",
    "empty_sheet",
    "missing_column",
    "duplicate_column",
    "unknown_column",
    "no_class_row",
    "extra_class_row",
    "no_rows",
    "missing_value",
    "bad_date",
    "bad_datetime",
    "nonexistent_time",
    "ambiguous_time",
    "end_before_start",
    "class_end_before_start",
    "session_outside_class",
    "bad_timezone",
    "unknown_role",
    "bad_phone",
    "duplicate_phone",
    "unknown_instructor",
    "not_instructor",
    "ambiguous_instructor",
    "duplicate_session_id",
    "duplicate_session",
    "bad_hours",
    "bad_ratio",
    "bad_choice",
    "bad_number",
    "out_of_range",
    "bad_integer",
    "bad_bool",
    "bad_time",
    "venue_required",
]
PARAMS = {
    key: f"<{key}>"
    for key in [
        "path",
        "reason",
        "expected",
        "found",
        "first",
        "second",
        "first_row",
        "value",
        "start",
        "end",
        "start_date",
        "end_date",
        "timezone",
        "choices",
        "min",
        "max",
        "missing",
    ]
}


@pytest.mark.parametrize("code", PROBLEM_CODES)
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_problem_has_its_own_message(code: str, locale: str) -> None:
    texts = Texts()
    located = describe_problem(texts, locale, Problem(code, "roster", 7, "手机号", PARAMS))
    unlocated = describe_problem(texts, locale, Problem(code, "roster", None, None, PARAMS))
    for message in (located, unlocated):
        assert code not in message and "{" not in message and "\n" not in message
    if "<path>" not in located:  # a problem with the file itself is not in a sheet
        assert "roster" in located
    if code not in ("missing_column", "missing_sheet", "missing_file", "no_rows"):
        assert ("7" in located) or ("<path>" in located) or located.startswith("roster:")


def test_a_title_row_above_the_header_in_a_csv(
    write_csv: Callable[..., Path], good_sheets: Sheets
) -> None:
    for sheet in good_sheets.values():
        sheet.insert(0, ["2026年测试班"])
    plan = load_class_plan(write_csv(good_sheets))
    assert [p.row for p in plan.people] == [3, 4, 5, 6]
    good_sheets["roster"][4][2] = "班长"  # 李强, on spreadsheet row 5 under the title
    assert where(refused(write_csv(good_sheets))) == [("unknown_role", "roster", 5, "角色")]


def test_a_truncated_or_damaged_workbook_is_a_clear_problem_never_a_traceback(
    write_xlsx: Writer, good_sheets: Sheets, tmp_path: Path
) -> None:
    good = write_xlsx(good_sheets).read_bytes()
    damaged = bytearray(good)
    middle = len(good) // 2
    damaged[middle : middle + 64] = b"\x00" * 64  # a disk error in the middle
    for n, data in enumerate((good[: len(good) // 2], good[:-40], bytes(damaged))):
        path = tmp_path / f"broken{n}.xlsx"
        path.write_bytes(data)
        problems = refused(path)
        assert [p.code for p in problems] == ["unreadable"], n
        for locale in ("zh", "en"):
            assert str(path) in describe_problem(Texts(), locale, problems[0])


def test_a_formula_the_file_holds_no_value_for_says_so(
    write_xlsx: Writer, good_sheets: Sheets
) -> None:
    # openpyxl, like many scripts, writes a formula without its value: Excel never ran it.
    sheets = edit(good_sheets, "roster", 3, "姓名", '=CONCATENATE("王","芳")')
    problems = refused(write_xlsx(sheets))
    assert where(problems) == [("uncalculated_formula", "roster", 3, "姓名")]
    text = describe_problem(Texts(), "zh", problems[0])
    assert "公式" in text and "CONCATENATE" in text and "必填" not in text
