"""Class settings: each column of the class sheet, its default, and each bad value."""

from __future__ import annotations

from datetime import time
from fractions import Fraction

import pytest

from bot.importer import ImportRefused, describe_problem, load_class_plan
from bot.rules.class_settings import (
    SETTING_COLUMNS,
    ClassSettings,
    LeaveType,
    from_json,
    parse_settings,
    setting_name,
    to_json,
)
from bot.texts import Texts
from tests.importer.conftest import Sheets, Writer


def parse(**cells: str) -> ClassSettings:
    settings, problems = parse_settings(cells)
    assert problems == []
    return settings


def problem_of(header: str, text: str) -> tuple[str, dict[str, str]]:
    _, problems = parse_settings({header: text})
    [problem] = problems
    assert problem.column == header
    return problem.code, dict(problem.params)


def test_every_setting_has_its_default_when_empty() -> None:
    assert parse_settings({name: "" for name in SETTING_COLUMNS}) == (ClassSettings(), [])
    defaults = ClassSettings()
    assert defaults.leave_limit_ratio == Fraction(1, 7)
    assert defaults.checkin_mode == "none"
    assert defaults.venue_radius_m == 300
    assert (defaults.checkin_opens_min, defaults.late_grace_min) == (30, 5)
    assert (defaults.checkout_opens_min, defaults.checkout_closes_min) == (10, 30)
    assert defaults.double_checkin and defaults.absence_counts_toward_limit
    assert defaults.leave_second_level_hours is None
    assert defaults.digest_time == time(7, 30)
    assert (defaults.remind_before_min, defaults.instructor_remind_before_min) == (15, 60)
    assert (defaults.rating_window_minutes, defaults.rating_min_responses) == (1440, 3)
    assert (defaults.leave_remind_after_min, defaults.report_back_overdue_min) == (120, 120)
    assert [t.name for t in defaults.leave_types] == ["sick", "personal", "official"]
    assert all(t.counts for t in defaults.leave_types)  # the regulation counts every absence
    assert (defaults.correction_days, defaults.correction_max) == (2, 3)
    assert not defaults.checkout_proof and not defaults.live_location_only
    assert defaults.absence_days_alert == 2


def test_the_leave_reminders_in_either_language() -> None:
    settings = parse(leave_remind_after_min="30", 销假超时分钟="45.0")
    assert (settings.leave_remind_after_min, settings.report_back_overdue_min) == (30, 45)
    assert parse(请假催办分钟="90").leave_remind_after_min == 90
    assert from_json(to_json(settings)) == settings


@pytest.mark.parametrize("name", ["leave_remind_after_min", "report_back_overdue_min"])
@pytest.mark.parametrize("text", ["0", "-5", "1.5", "两小时"])
def test_a_leave_reminder_is_at_least_one_whole_minute(name: str, text: str) -> None:
    assert problem_of(name, text) == ("bad_integer", {"value": text, "min": "1"})


@pytest.mark.parametrize(
    ("text", "ratio"),
    [
        ("1/7", Fraction(1, 7)),
        (" 1 / 7 ", Fraction(1, 7)),
        ("１／７", Fraction(1, 7)),
        ("0.15", Fraction(3, 20)),
        ("15%", Fraction(3, 20)),
        ("15 %", Fraction(3, 20)),
        ("１５％", Fraction(3, 20)),
        ("1", Fraction(1)),
        ("100%", Fraction(1)),
    ],
)
def test_the_leave_limit_as_a_fraction_a_decimal_or_a_percentage(
    text: str, ratio: Fraction
) -> None:
    assert parse(leave_limit_ratio=text).leave_limit_ratio == ratio
    assert parse(请假上限=text).leave_limit_ratio == ratio


@pytest.mark.parametrize(
    "text", ["0", "0%", "1/0", "7/1", "1.5", "150%", "-1/7", "一七分之一", "2026-01-07 00:00"]
)
def test_a_leave_limit_outside_zero_to_one_is_refused(text: str) -> None:
    assert problem_of("请假上限", text) == ("bad_ratio", {"value": text})


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("none", "none"),
        ("无", "none"),
        ("code", "code"),
        ("CODE", "code"),
        ("签到码", "code"),
        ("code+location", "code+location"),
        ("location+code", "code+location"),
        ("签到码+定位", "code+location"),
        ("签到码、位置", "code+location"),
    ],
)
def test_checkin_mode_in_either_language(text: str, mode: str) -> None:
    venue = {"venue_lat": "39.9", "venue_lon": "116.4"}
    assert parse(checkin_mode=text, **venue).checkin_mode == mode


@pytest.mark.parametrize("text", ["qr", "code+none", "扫码"])
def test_an_unknown_checkin_mode(text: str) -> None:
    code, params = problem_of("签到方式", text)
    assert code == "bad_choice" and "code+location" in params["choices"]


def test_a_location_mode_needs_the_venue() -> None:
    _, problems = parse_settings({"签到方式": "定位", "场地纬度": "39.9"})
    [problem] = problems
    assert (problem.column, problem.code) == ("签到方式", "venue_required")
    assert problem.params == {"value": "location", "missing": "venue_lon"}
    _, problems = parse_settings({"checkin_mode": "code+location"})
    assert [p.params["missing"] for p in problems] == ["venue_lat, venue_lon"]
    # A code check-in needs no venue.
    assert parse(checkin_mode="code").venue_lat is None


def test_a_bad_coordinate_is_reported_on_its_own_cell_only() -> None:
    _, problems = parse_settings({"checkin_mode": "location", "venue_lat": "91", "venue_lon": "1"})
    assert [(p.column, p.code, dict(p.params)) for p in problems] == [
        ("venue_lat", "out_of_range", {"value": "91", "min": "-90", "max": "90"})
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("Y", True),
        ("true", True),
        ("1", True),
        ("是", True),
        ("否", False),
        ("no", False),
        ("FALSE", False),
        ("0", False),
    ],
)
def test_booleans_in_either_language(text: str, value: bool) -> None:
    assert parse(double_checkin=text).double_checkin is value
    assert parse(缺勤计入请假=text).absence_counts_toward_limit is value


@pytest.mark.parametrize("text", ["maybe", "对", "2", "yes please"])
def test_a_bad_boolean(text: str) -> None:
    assert problem_of("双签到", text) == ("bad_bool", {"value": text})


@pytest.mark.parametrize(
    ("text", "value"), [("07:30", time(7, 30)), ("7:05", time(7, 5)), ("23:59:00", time(23, 59))]
)
def test_digest_time(text: str, value: time) -> None:
    assert parse(digest_time=text).digest_time == value


@pytest.mark.parametrize("text", ["24:00", "7.30", "07:60", "7点半", "07:30:15"])
def test_a_bad_time_of_day(text: str) -> None:
    assert problem_of("日报时间", text) == ("bad_time", {"value": text})


@pytest.mark.parametrize(
    ("name", "text", "code", "params"),
    [
        ("late_grace_min", "-1", "bad_integer", {"min": "0"}),
        ("late_grace_min", "2.5", "bad_integer", {"min": "0"}),
        ("late_grace_min", "五", "bad_integer", {"min": "0"}),
        ("venue_radius_m", "0", "bad_integer", {"min": "1"}),
        ("rating_min_responses", "0", "bad_integer", {"min": "3"}),
        ("rating_min_responses", "2", "bad_integer", {"min": "3"}),
        ("venue_lon", "181", "out_of_range", {"min": "-180", "max": "180"}),
        ("venue_lat", "north", "bad_number", {}),
        ("leave_second_level_hours", "0", "out_of_range", {"min": "0", "max": "∞"}),
        ("leave_second_level_hours", "一天", "bad_number", {}),
        ("locale", "fr", "bad_choice", {"choices": "zh, en"}),
    ],
)
def test_bad_numbers_and_choices(name: str, text: str, code: str, params: dict[str, str]) -> None:
    assert problem_of(name, text) == (code, {"value": text, **params})


@pytest.mark.parametrize(
    ("text", "types"),
    [
        ("病假,事假,公假", ("sick", "personal", "official")),
        ("sick、personal", ("sick", "personal")),
        ("病假，事假，婚假", ("sick", "personal", "婚假")),  # full-width comma, a type of its own
    ],
)
def test_leave_types_in_either_language(text: str, types: tuple[str, ...]) -> None:
    settings = parse(请假类型=text)
    assert tuple(t.name for t in settings.leave_types) == types
    assert all(t.counts for t in settings.leave_types)


def test_a_leave_type_that_does_not_count_toward_the_limit() -> None:
    settings = parse(leave_types="病假,事假,公假：否")  # a full-width colon is a colon
    assert settings.leave_types[2] == LeaveType("official", counts=False)
    assert settings.leave_type_counts("sick") and not settings.leave_type_counts("official")
    # A type the class no longer lists (an older request) still counts.
    assert settings.leave_type_counts("婚假")
    assert from_json(to_json(settings)) == settings
    assert parse(leave_types="公假:不计入").leave_types == (LeaveType("official", False),)


@pytest.mark.parametrize(
    "text",
    [
        "病假,病假",
        "sick,病假",
        "病假:也许",
        ":否",
        "一二三四五六七八九十一",
        "a,b,c,d,e,f,g,h,i",
        "a|b",
    ],
)
def test_bad_leave_types(text: str) -> None:
    assert problem_of("leave_types", text) == ("bad_leave_types", {"value": text})


def test_correction_and_proof_settings() -> None:
    settings = parse(补卡补假天数="3", 补卡次数上限="0", 签退验证="是", 仅限实时位置="yes")
    assert (settings.correction_days, settings.correction_max) == (3, 0)
    assert settings.checkout_proof and settings.live_location_only
    assert parse(旷课预警天数="3").absence_days_alert == 3
    assert problem_of("correction_days", "0") == ("bad_integer", {"value": "0", "min": "1"})
    assert from_json(to_json(settings)) == settings


def test_whole_numbers_written_as_spreadsheet_numbers() -> None:
    settings = parse(checkin_opens_min="45.0", rating_window_minutes="２８８０", locale="en-US")
    assert (settings.checkin_opens_min, settings.rating_window_minutes) == (45, 2880)
    assert settings.locale == "en"


def test_every_setting_is_named_in_english_and_chinese() -> None:
    for name, alias in SETTING_COLUMNS.items():
        assert setting_name(name) == name
        assert setting_name(f" {name.upper()} ") == name
        assert setting_name(alias) == name
    assert setting_name("签到半径（米）") == "venue_radius_m"  # full-width parentheses
    assert setting_name("name") is None


def test_settings_survive_the_database_as_json() -> None:
    settings = parse(
        leave_limit_ratio="15%",
        checkin_mode="code+location",
        venue_lat="39.9042",
        venue_lon="116.4074",
        double_checkin="否",
        leave_second_level_hours="6",
        digest_time="06:45",
        locale="en",
    )
    assert from_json(to_json(settings)) == settings
    assert from_json(to_json(ClassSettings())) == ClassSettings()
    assert from_json("{}") == from_json(None) == ClassSettings()
    assert from_json('{"late_grace_min": 8, "unknown": 1}').late_grace_min == 8
    with pytest.raises(ValueError):
        from_json("[]")


# Through an import: the problem sits on the class sheet's row, under the header as written.


def with_settings(sheets: Sheets, **cells: object) -> Sheets:
    for header, value in cells.items():
        sheets["class"][0].append(header)
        sheets["class"][1].append(value)
    return sheets


def test_settings_read_from_a_file(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = with_settings(
        good_sheets,
        请假上限="15%",
        late_grace_min=10,
        双签到="否",
        日报时间="06:45",
        **{"签到半径（米）": 200},
    )
    settings = load_class_plan(write_source(sheets)).settings
    assert settings.leave_limit_ratio == Fraction(3, 20)
    assert (settings.late_grace_min, settings.venue_radius_m) == (10, 200)
    assert settings.double_checkin is False
    assert settings.digest_time == time(6, 45)
    assert settings.checkin_mode == "code"


def test_a_ratio_typed_as_a_number_in_a_workbook(write_xlsx: Writer, good_sheets: Sheets) -> None:
    sheets = with_settings(good_sheets, 请假上限=0.15, 双签到=False, 日报时间=time(8, 0))
    settings = load_class_plan(write_xlsx(sheets)).settings
    assert settings.leave_limit_ratio == Fraction(3, 20)
    assert settings.double_checkin is False
    assert settings.digest_time == time(8, 0)


def test_every_bad_setting_is_listed(write_source: Writer, good_sheets: Sheets) -> None:
    sheets = with_settings(
        good_sheets, 请假上限="1/0", double_checkin="maybe", 日报时间="25:00", 课前提醒分钟="-5"
    )
    sheets["class"][1][3] = "定位"  # location check-in without a venue
    with pytest.raises(ImportRefused) as caught:
        load_class_plan(write_source(sheets))
    problems = caught.value.problems
    assert [(p.code, p.sheet, p.row, p.column) for p in problems] == [
        ("bad_ratio", "class", 2, "请假上限"),
        ("bad_bool", "class", 2, "double_checkin"),
        ("bad_time", "class", 2, "日报时间"),
        ("bad_integer", "class", 2, "课前提醒分钟"),
        # The venue is checked across cells, after each cell on its own.
        ("venue_required", "class", 2, "签到方式"),
    ]
    texts = Texts()
    assert [describe_problem(texts, "zh", p) for p in problems] == [
        "class 第 2 行 请假上限: “1/0”不是有效比例，应在 0 到 1 之间，如 1/7、0.15 或 15%"
        "（在 Excel 中把单元格设为文本，否则 1/7 会被当成日期）。",
        "class 第 2 行 double_checkin: “maybe”应为 是/否（或 yes/no、true/false、1/0）。",
        "class 第 2 行 日报时间: “25:00”不是有效时刻，应写如 07:30。",
        "class 第 2 行 课前提醒分钟: “-5”应为不小于 0 的整数。",
        "class 第 2 行 签到方式: 签到方式 location 需要场地位置，请填写 venue_lat, venue_lon。",
    ]
    assert describe_problem(texts, "en", problems[1]) == (
        'class row 2, column double_checkin: "maybe" should be yes or no'
        " (or true/false, 1/0, 是/否)."
    )


def test_a_stored_threshold_below_three_reads_as_three() -> None:
    # A class imported by a release that allowed 1 or 2: never fewer than three now.
    assert from_json('{"rating_min_responses": 1}').rating_min_responses == 3
    assert from_json('{"rating_min_responses": 5}').rating_min_responses == 5
