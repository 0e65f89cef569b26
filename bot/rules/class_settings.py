"""Per-class settings: read from the class sheet of an import, stored as JSON with the class.

Every setting is optional; an empty cell means the default.

==============================  ==============  ===========  ====================================
column                          Chinese header  default      meaning
==============================  ==============  ===========  ====================================
leave_limit_ratio               请假上限        1/7          share of the class's total class
                                                             hours of leave above which a
                                                             trainee is flagged for dismissal;
                                                             ``1/7``, ``0.15`` or ``15%``, in
                                                             (0, 1]
checkin_mode                    签到方式        none         how a check-in is proven: ``none``,
                                                             ``code`` (rotating code shown in the
                                                             room), ``location`` (inside the
                                                             venue), ``code+location`` (both)
venue_lat, venue_lon            场地纬度,        (none)       the venue's latitude and longitude
                                场地经度                      in degrees; required by the location
                                                             modes
venue_radius_m                  签到半径(米)    300          how far from the venue, in metres, a
                                                             location check-in is accepted
checkin_opens_min               签到提前分钟    30           check-in opens this many minutes
                                                             before a session starts
late_grace_min                  迟到宽限分钟    5            a check-in this many minutes after
                                                             the start is still on time
checkout_opens_min              签退提前分钟    10           check-out opens this many minutes
                                                             before a session ends
checkout_closes_min             签退截止分钟    30           check-out closes this many minutes
                                                             after a session ends
double_checkin                  双签到          yes          whether trainees also check out
                                                             (双签到), so leaving early shows;
                                                             yes/no, true/false, 1/0, 是/否
leave_second_level_hours        二级审批学时    (one day)    leave longer than this many class
                                                             hours also needs the school's
                                                             approval; empty means longer than
                                                             one day of sessions
absence_counts_toward_limit     缺勤计入请假    yes          whether unexcused absence counts
                                                             toward the leave limit
leave_remind_after_min          请假催办分钟    120          an undecided leave request is
                                                             brought back to its deciders this
                                                             many minutes after it was sent
report_back_overdue_min         销假超时分钟    120          class managers are told of a
                                                             trainee who has not reported back
                                                             (销假) this many minutes after the
                                                             leave ended
digest_time                     日报时间        07:30        local time (``HH:MM``) of the morning
                                                             digest: each trainee's sessions of
                                                             the day; managers hear who cannot
                                                             be reached
remind_before_min               课前提醒分钟    15           trainees are reminded this many
                                                             minutes before a session
instructor_remind_before_min    教师提醒分钟    60           instructors are reminded this many
                                                             minutes before their session
rating_window_minutes           测评时限分钟    1440         a session can be rated for this many
                                                             minutes after it ends
rating_min_responses            测评最少人数    3            a session's figures, chart and
                                                             comments are shown to no one until
                                                             this many rated it (below: only the
                                                             count), nor pooled into any table,
                                                             so no rating can be traced back;
                                                             3 at least
rating_dimensions               测评维度        content,     the questions of the rating form, in
                                                teaching,    order, separated by commas; each
                                                relevance,   one's wording is the ``dimension``
                                                overall      macro of templates/*/ratings.txt
                                                             (an unknown name is shown as
                                                             written); "overall" (else the
                                                             last) gives the satisfaction rate
locale                          语言            zh           the class's language (``zh`` or
                                                             ``en``) for people whose Telegram
                                                             language is unknown
leave_types                     请假类型        病假,事假,   the types of leave a request picks
                                                公假         from, in order, separated by commas;
                                                             ``病假``/``sick``, ``事假``/
                                                             ``personal``, ``公假``/``official``
                                                             are worded by the templates, any
                                                             other name is shown as written;
                                                             ``:否`` (or ``:no``, ``:不计``) after a
                                                             type means its hours do not count
                                                             toward the leave limit (by default
                                                             every type counts)
correction_days                 补卡补假天数    2            how many days after a session a
                                                             trainee may still ask for a
                                                             correction (补卡) or file leave for
                                                             it (补假); a class manager's own
                                                             leave record for a trainee too
correction_max                  补卡次数上限    3            correction requests (补卡) a trainee
                                                             may have pending or approved in the
                                                             class; 0 turns them off
checkout_proof                  签退验证        no           whether check-out asks for the same
                                                             proof as check-in (the code, the
                                                             location or both, as checkin_mode)
live_location_only              仅限实时位置    no           whether a location proof must be a
                                                             live location (Telegram's
                                                             ``live_period``): a point picked on
                                                             the map is refused
absence_days_alert              旷课预警天数    2            /risk flags trainees with unexcused
                                                             absences on this many days or more
grade_excellent                 优秀分数线      90           graduation: the lowest final score
grade_good                      良好分数线      80           of each band (优秀, 良好, 合格);
grade_pass                      合格分数线      60           0 <= pass <= good <= excellent <= 100
deduct_late                     迟到扣分        2            graduation: points off the attendance
deduct_left_early               早退扣分        2            component per late arrival, per
deduct_absent_hour              缺勤每学时扣分  5            leaving early (or no check-out), per
deduct_leave_hour               请假每学时扣分  0            class hour absent, per hour on leave
school_name                     培训机构        (none)       graduation: the school named on the
                                                             certificates
certificate_prefix              证书编号前缀    (none)       graduation: a certificate number is
certificate_year                证书年份        (end year)   prefix-year-class code-sequence
class_code                      班次代码        (class id)   (XQDX-2026-CJ07-001); each at most
                                                             20 letters, digits or - _
==============================  ==============  ===========  ====================================

Minutes and counts are whole numbers, zero or more; the radius is at least 1 metre, and
the two leave reminders at least 1 minute; correction_days and absence_days_alert at least 1.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time
from fractions import Fraction
from functools import lru_cache
from typing import Any, Final, Literal, get_args

from bot.rules.locales import Locale, parse_locale

# The fewest answers a lecture's figures may be shown from (rating_min_responses).
MIN_RATING_RESPONSES: Final = 3

CheckinMode = Literal["none", "code", "location", "code+location"]
CHECKIN_MODES: Final[tuple[CheckinMode, ...]] = get_args(CheckinMode)


@dataclass(frozen=True)
class LeaveType:
    """A type of leave a class grants, and whether its hours count toward the leave limit."""

    name: str  # "sick", "personal", "official" (worded by the templates), else as written
    counts: bool = True

    def spelled(self) -> str:
        """The type as the setting writes it (``official:no``)."""
        return self.name if self.counts else f"{self.name}:no"


# The regulation counts every absence, so by default every type counts toward the limit.
DEFAULT_LEAVE_TYPES: Final[tuple[LeaveType, ...]] = (
    LeaveType("sick"),
    LeaveType("personal"),
    LeaveType("official"),
)
# The type a request has when nothing else says (requests made before types existed).
DEFAULT_LEAVE_TYPE: Final = "personal"


@dataclass(frozen=True)
class ClassSettings:
    """The settings of one class; see the module docstring for each field."""

    leave_limit_ratio: Fraction = Fraction(1, 7)
    checkin_mode: CheckinMode = "none"
    venue_lat: float | None = None
    venue_lon: float | None = None
    venue_radius_m: int = 300
    checkin_opens_min: int = 30
    late_grace_min: int = 5
    checkout_opens_min: int = 10
    checkout_closes_min: int = 30
    double_checkin: bool = True
    leave_second_level_hours: float | None = None
    absence_counts_toward_limit: bool = True
    leave_remind_after_min: int = 120
    report_back_overdue_min: int = 120
    digest_time: time = field(default=time(7, 30))
    remind_before_min: int = 15
    instructor_remind_before_min: int = 60
    rating_window_minutes: int = 1440
    rating_min_responses: int = 3
    # ratings: the questions of the rating form
    rating_dimensions: tuple[str, ...] = ("content", "teaching", "relevance", "overall")
    locale: Locale = "zh"
    leave_types: tuple[LeaveType, ...] = DEFAULT_LEAVE_TYPES
    correction_days: int = 2
    correction_max: int = 3
    checkout_proof: bool = False
    live_location_only: bool = False
    absence_days_alert: int = 2
    # graduation (结业考核): the bands' lower bounds, the attendance component's deductions,
    # and what a certificate says and is numbered by
    grade_excellent: int = 90
    grade_good: int = 80
    grade_pass: int = 60
    deduct_late: float = 2.0
    deduct_left_early: float = 2.0
    deduct_absent_hour: float = 5.0
    deduct_leave_hour: float = 0.0
    school_name: str | None = None
    certificate_prefix: str | None = None
    certificate_year: int | None = None
    class_code: str | None = None

    def leave_type(self, name: str) -> LeaveType | None:
        """The class's leave type of this name, if it has one."""
        return next((t for t in self.leave_types if t.name == name), None)

    def leave_type_counts(self, name: str) -> bool:
        """Whether leave of this type counts toward the limit.

        A type the class no longer lists still counts: the regulation counts every absence.
        """
        found = self.leave_type(name)
        return found is None or found.counts


# Each setting's column name and its Chinese header; both are accepted in the class sheet.
SETTING_COLUMNS: Final[dict[str, str]] = {
    "leave_limit_ratio": "请假上限",
    "checkin_mode": "签到方式",
    "venue_lat": "场地纬度",
    "venue_lon": "场地经度",
    "venue_radius_m": "签到半径(米)",
    "checkin_opens_min": "签到提前分钟",
    "late_grace_min": "迟到宽限分钟",
    "checkout_opens_min": "签退提前分钟",
    "checkout_closes_min": "签退截止分钟",
    "double_checkin": "双签到",
    "leave_second_level_hours": "二级审批学时",
    "absence_counts_toward_limit": "缺勤计入请假",
    "leave_remind_after_min": "请假催办分钟",
    "report_back_overdue_min": "销假超时分钟",
    "digest_time": "日报时间",
    "remind_before_min": "课前提醒分钟",
    "instructor_remind_before_min": "教师提醒分钟",
    "rating_window_minutes": "测评时限分钟",
    "rating_min_responses": "测评最少人数",
    "rating_dimensions": "测评维度",
    "locale": "语言",
    "leave_types": "请假类型",
    "correction_days": "补卡补假天数",
    "correction_max": "补卡次数上限",
    "checkout_proof": "签退验证",
    "live_location_only": "仅限实时位置",
    "absence_days_alert": "旷课预警天数",
    "grade_excellent": "优秀分数线",
    "grade_good": "良好分数线",
    "grade_pass": "合格分数线",
    "deduct_late": "迟到扣分",
    "deduct_left_early": "早退扣分",
    "deduct_absent_hour": "缺勤每学时扣分",
    "deduct_leave_hour": "请假每学时扣分",
    "school_name": "培训机构",
    "certificate_prefix": "证书编号前缀",
    "certificate_year": "证书年份",
    "class_code": "班次代码",
}

# Booleans as people write them in either language.
BOOLEAN_ALIASES: Final[dict[str, bool]] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "是": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "否": False,
}

# The parts of a check-in mode, as a Chinese sheet names them.
_MODE_PART_ALIASES: Final[dict[str, str]] = {
    "code": "code",
    "签到码": "code",
    "location": "location",
    "定位": "location",
    "位置": "location",
    "none": "none",
    "无": "none",
}


@dataclass(frozen=True)
class SettingProblem:
    """One bad setting cell: the column as given, a problem code and message values."""

    column: str
    code: str
    params: Mapping[str, str]


class _Bad(ValueError):
    """A cell that does not hold a valid value; carries the problem code and values."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def setting_name(header: str) -> str | None:
    """Return the setting a column header names (English or Chinese, any case), or None."""
    key = _header_key(header)
    for name, alias in SETTING_COLUMNS.items():
        if key in (name, _header_key(alias)):
            return name
    return None


def parse_settings(cells: Mapping[str, str]) -> tuple[ClassSettings, list[SettingProblem]]:
    """Read settings from cells keyed by column header; bad cells keep the default."""
    values: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    columns: dict[str, str] = {}
    failed: set[str] = set()
    for header, text in cells.items():
        name = setting_name(header)
        if name is None:
            continue  # the caller decides what an unknown column means
        columns[name] = header
        if not text.strip():
            continue
        try:
            values[name] = _PARSERS[name](unicodedata.normalize("NFKC", text).strip())
        except _Bad as bad:
            problems.append(SettingProblem(header, bad.code, {"value": text.strip(), **bad.params}))
            failed.add(name)
    settings = replace(ClassSettings(), **values)
    problems.extend(_check_venue(settings, columns, failed))
    problems.extend(_check_bands(settings, columns, failed))
    return settings, problems


def _check_venue(
    settings: ClassSettings, columns: Mapping[str, str], bad: set[str]
) -> list[SettingProblem]:
    # A location check-in without a venue could never succeed, so refuse it at import.
    # A coordinate whose cell was bad is already reported on that cell.
    if "location" not in settings.checkin_mode:
        return []
    missing = [
        name
        for name in ("venue_lat", "venue_lon")
        if getattr(settings, name) is None and name not in bad
    ]
    if not missing:
        return []
    return [
        SettingProblem(
            columns.get("checkin_mode", "checkin_mode"),
            "venue_required",
            {"value": settings.checkin_mode, "missing": ", ".join(missing)},
        )
    ]


_BANDS: Final = ("grade_pass", "grade_good", "grade_excellent")


def _check_bands(
    settings: ClassSettings, columns: Mapping[str, str], bad: set[str]
) -> list[SettingProblem]:
    # graduation: bands that overlap or pass 100 would grade nobody as the school meant.
    if bad.intersection(_BANDS):
        return []
    low, middle, high = (getattr(settings, name) for name in _BANDS)
    if low <= middle <= high <= 100:
        return []
    given = [name for name in reversed(_BANDS) if name in columns]
    return [
        SettingProblem(
            columns[given[0]] if given else "grade_excellent",
            "bad_bands",
            {"value": f"{high}/{middle}/{low}"},
        )
    ]


def to_json(settings: ClassSettings) -> str:
    """Write settings as JSON, keys in field order, every value exact."""
    data: dict[str, Any] = {}
    for item in fields(ClassSettings):
        value = getattr(settings, item.name)
        if isinstance(value, Fraction):
            value = str(value)
        elif isinstance(value, time):
            value = value.strftime("%H:%M")
        elif item.name == "leave_types":
            value = ",".join(t.spelled() for t in value)
        data[item.name] = value
    return json.dumps(data, ensure_ascii=False)


@lru_cache(maxsize=256)
def from_json(text: str | None) -> ClassSettings:
    """Read settings written by to_json; unknown keys are ignored, missing keys defaulted.

    Cached: every feature reads its class's settings per update or per job, and the same
    JSON always gives the same (frozen) settings, so a class's are parsed once until an
    import changes them.
    """
    data = json.loads(text) if text and text.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("class settings JSON is not an object")
    values: dict[str, Any] = {}
    for item in fields(ClassSettings):
        if item.name not in data:
            continue  # written by an older version: the default applies
        value = data[item.name]
        if value is None:
            values[item.name] = None
        elif isinstance(value, bool):
            values[item.name] = value
        elif isinstance(value, int | float) and item.name in _FLOATS:
            values[item.name] = float(value)
        elif isinstance(value, int):
            values[item.name] = value
        elif isinstance(value, list):  # ratings: rating_dimensions
            values[item.name] = _dimensions(",".join(map(str, value)))
        else:
            values[item.name] = _PARSERS[item.name](str(value))
    if "rating_min_responses" in values:  # stored by a release that allowed fewer
        values["rating_min_responses"] = max(MIN_RATING_RESPONSES, values["rating_min_responses"])
    return replace(ClassSettings(), **values)


def _header_key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip().strip("*").strip().lower()


def _ratio(text: str) -> Fraction:
    compact = text.replace(" ", "")
    try:
        ratio = Fraction(compact[:-1]) / 100 if compact.endswith("%") else Fraction(compact)
    except (ValueError, ZeroDivisionError):
        raise _Bad("bad_ratio") from None
    if not 0 < ratio <= 1:
        raise _Bad("bad_ratio")
    return ratio


def _checkin_mode(text: str) -> CheckinMode:
    parts = {_MODE_PART_ALIASES.get(part.strip().lower()) for part in re.split(r"[+,、;&]", text)}
    if None in parts or not parts:
        raise _Bad("bad_choice", choices=", ".join(CHECKIN_MODES))
    if parts == {"none"}:
        return "none"
    if parts == {"code"}:
        return "code"
    if parts == {"location"}:
        return "location"
    if parts == {"code", "location"}:
        return "code+location"
    raise _Bad("bad_choice", choices=", ".join(CHECKIN_MODES))


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise _Bad("bad_number") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise _Bad("out_of_range", min=_show(low), max=_show(high))
        return value

    return parse


def _whole(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        # "30.0" is what a spreadsheet number often becomes as text; it is still 30.
        try:
            value = float(text)
        except ValueError:
            raise _Bad("bad_integer", min=str(low)) from None
        if not value.is_integer() or value < low:
            raise _Bad("bad_integer", min=str(low))
        return int(value)

    return parse


def _positive_hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Bad("bad_number") from None
    if not math.isfinite(value) or value <= 0:
        raise _Bad("out_of_range", min="0", max="∞")
    return value


def _boolean(text: str) -> bool:
    try:
        return BOOLEAN_ALIASES[text.lower()]
    except KeyError:
        raise _Bad("bad_bool") from None


def _clock(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise _Bad("bad_time")
    return time(int(match[1]), int(match[2]))


def _locale(text: str) -> Locale:
    # zh-CN, zh_TW, en-US: only the language matters here.
    locale = parse_locale(re.split(r"[-_]", text, maxsplit=1)[0])
    if locale is None:
        raise _Bad("bad_choice", choices="zh, en")
    return locale


def _dimensions(text: str) -> tuple[str, ...]:
    # ratings: names separated by commas (or the Chinese enumeration comma), 1 to 8, unique.
    names = tuple(part.strip() for part in re.split(r"[,、;]", text) if part.strip())
    if not 1 <= len(names) <= 8 or len(set(names)) != len(names) or any("|" in n for n in names):
        raise _Bad("bad_choice", choices="content, teaching, relevance, overall")
    return names


# Leave types as a Chinese or English sheet names the three the templates word.
_LEAVE_TYPE_ALIASES: Final[dict[str, str]] = {
    "病假": "sick",
    "sick": "sick",
    "事假": "personal",
    "personal": "personal",
    "公假": "official",
    "official": "official",
}
# After a type, whether it counts toward the limit: the booleans, and how a sheet says it.
_COUNTS_ALIASES: Final[dict[str, bool]] = {
    **BOOLEAN_ALIASES,
    "计": True,
    "计入": True,
    "不计": False,
    "不计入": False,
}
MAX_LEAVE_TYPES: Final = 8
MAX_LEAVE_TYPE_CHARS: Final = 10


def _leave_types(text: str) -> tuple[LeaveType, ...]:
    # "病假,事假,公假:否": names separated by commas, each optionally ":<counts>".
    found: list[LeaveType] = []
    for part in re.split(r"[,、;]", text):
        if not part.strip():
            continue
        name, _, flag = (p.strip() for p in part.partition(":"))
        counts = _COUNTS_ALIASES.get(flag.lower()) if flag else True
        name = _LEAVE_TYPE_ALIASES.get(name.lower(), name)
        if counts is None or not name or len(name) > MAX_LEAVE_TYPE_CHARS or "|" in name:
            raise _Bad("bad_leave_types")
        found.append(LeaveType(name, counts))
    names = [t.name for t in found]
    if not 1 <= len(found) <= MAX_LEAVE_TYPES or len(set(names)) != len(names):
        raise _Bad("bad_leave_types")
    return tuple(found)


_CODE: Final = re.compile(r"[A-Za-z0-9_-]{1,20}")


def _code(text: str) -> str:
    # graduation: a part of a certificate number, typed back by whoever verifies it.
    if not _CODE.fullmatch(text):
        raise _Bad("bad_code")
    return text.upper()  # /verify reads a typed number in upper case


def _name(text: str) -> str:
    # graduation: the school's name as a certificate prints it.
    if len(text) > 60:
        raise _Bad("too_long", max="60")
    return text


def _year(text: str) -> int:
    value = _whole(2000)(text)
    if value > 2100:
        raise _Bad("bad_integer", min="2000")
    return value


def _show(number: float) -> str:
    # The bounds are ints or floats: -90 shows as -90, not -90.0.
    return str(int(number)) if float(number).is_integer() else str(number)


_FLOATS: Final = frozenset(
    {
        "venue_lat",
        "venue_lon",
        "leave_second_level_hours",
        "deduct_late",
        "deduct_left_early",
        "deduct_absent_hour",
        "deduct_leave_hour",
    }
)
_PARSERS: Final[dict[str, Callable[[str], Any]]] = {
    "leave_limit_ratio": _ratio,
    "checkin_mode": _checkin_mode,
    "venue_lat": _number(-90, 90),
    "venue_lon": _number(-180, 180),
    "venue_radius_m": _whole(1),
    "checkin_opens_min": _whole(0),
    "late_grace_min": _whole(0),
    "checkout_opens_min": _whole(0),
    "checkout_closes_min": _whole(0),
    "double_checkin": _boolean,
    "leave_second_level_hours": _positive_hours,
    "absence_counts_toward_limit": _boolean,
    "leave_remind_after_min": _whole(1),
    "report_back_overdue_min": _whole(1),
    "digest_time": _clock,
    "remind_before_min": _whole(0),
    "instructor_remind_before_min": _whole(0),
    "rating_window_minutes": _whole(0),
    # Fewer than three answers would let a class manager, who sees who has not answered,
    # tell who gave which scores: three is the least a class may set.
    "rating_min_responses": _whole(MIN_RATING_RESPONSES),
    "rating_dimensions": _dimensions,
    "locale": _locale,
    "leave_types": _leave_types,
    "correction_days": _whole(1),
    "correction_max": _whole(0),
    "checkout_proof": _boolean,
    "live_location_only": _boolean,
    "absence_days_alert": _whole(1),
    "grade_excellent": _whole(0),
    "grade_good": _whole(0),
    "grade_pass": _whole(0),
    "deduct_late": _number(0, 100),
    "deduct_left_early": _number(0, 100),
    "deduct_absent_hour": _number(0, 100),
    "deduct_leave_hour": _number(0, 100),
    "school_name": _name,
    "certificate_prefix": _code,
    "certificate_year": _year,
    "class_code": _code,
}
