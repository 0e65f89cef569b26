"""The class settings of graduation: bands, deductions, the certificate's numbering."""

from __future__ import annotations

from bot.rules.class_settings import ClassSettings, from_json, parse_settings, to_json


def test_the_settings_read_from_a_chinese_class_sheet_and_kept() -> None:
    settings, problems = parse_settings(
        {
            "优秀分数线": "95",
            "良好分数线": "85",
            "合格分数线": "70",
            "迟到扣分": "1.5",
            "缺勤每学时扣分": "4",
            "培训机构": "西青区委党校",
            "证书编号前缀": "xqdx",
            "班次代码": "CJ07",
            "证书年份": "2027",
        }
    )
    assert problems == []
    assert (settings.grade_excellent, settings.grade_good, settings.grade_pass) == (95, 85, 70)
    assert (settings.deduct_late, settings.deduct_absent_hour) == (1.5, 4.0)
    assert settings.certificate_prefix == "XQDX"  # /verify reads numbers in upper case
    assert from_json(to_json(settings)) == settings
    assert from_json("{}") == ClassSettings()


def test_bad_graduation_settings_are_refused_by_cell() -> None:
    _, problems = parse_settings({"合格分数线": "85", "良好分数线": "80"})
    assert [(p.column, p.code) for p in problems] == [("良好分数线", "bad_bands")]
    _, problems = parse_settings({"优秀分数线": "120"})
    assert [p.code for p in problems] == ["bad_bands"]
    _, problems = parse_settings({"班次代码": "第7期", "证书年份": "26", "迟到扣分": "-1"})
    assert [(p.column, p.code) for p in problems] == [
        ("班次代码", "bad_code"),
        ("证书年份", "bad_integer"),
        ("迟到扣分", "out_of_range"),
    ]
    _, problems = parse_settings({"培训机构": "校" * 61})
    assert [p.code for p in problems] == ["too_long"]
