"""Turning the rows read from a file into a ClassPlan, or refusing it with every problem.

Checks run on every sheet that could be read, so one pass lists everything to fix. Where
one problem makes another check meaningless (no roster to look instructors up in, class
dates that are themselves bad), that check is skipped rather than repeated on every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from zoneinfo import ZoneInfo

from bot.importer.assessment import check_assessment, check_scores
from bot.importer.model import ORDER, ClassPlan, GradesPlan, ImportRefused, Problem
from bot.importer.readers import RawRow, Sheets
from bot.importer.roster import check_roster
from bot.importer.schedule import ClassFrame, check_schedule
from bot.importer.table import Progress, Table, open_table
from bot.importer.values import find_zone, parse_date
from bot.rules.class_settings import ClassSettings, parse_settings, setting_name
from bot.rules.grades import Component
from bot.rules.roles import Role


@dataclass(frozen=True)
class ClassHead:
    """The class sheet's one row, read; a None field was missing or bad."""

    name: str | None
    start_date: date | None
    end_date: date | None
    timezone: str | None
    zone: ZoneInfo | None
    settings: ClassSettings


def build_plan(
    sheets: Sheets,
    source_problems: Sequence[Problem],
    *,
    default_timezone: str,
    progress: Progress | None = None,
    schemes: Mapping[str, Sequence[Component]] | None = None,
) -> ClassPlan:
    """Check every sheet and return the class plan; raise ImportRefused with all problems.

    ``schemes``: the assessment schemes stored, by class name, which a scores sheet is
    checked against when the file has no assessment sheet of its own.
    """
    tables = {sheet: open_table(sheet, sheets[sheet]) for sheet in ORDER if sheet in sheets}
    head = check_class(tables.get("class"), default_timezone)
    people, instructors = check_roster(tables.get("roster"), progress)
    # Sessions still get checked against some zone when the class's is bad, so their other
    # problems are found in the same pass.
    zone = head.zone or find_zone(default_timezone) or ZoneInfo("UTC")
    frame = ClassFrame(zone, head.start_date, head.end_date)
    sessions = check_schedule(tables.get("schedule"), frame, instructors, progress)
    assessment = check_assessment(tables.get("assessment"))
    stored = (schemes or {}).get(head.name or "")
    scheme = assessment if "assessment" in tables else stored
    trainees = {p.phone: p.name for p in people if Role.TRAINEE in p.roles}
    scores = check_scores(tables.get("scores"), scheme, trainees)

    problems = [*source_problems, *(p for table in tables.values() for p in table.problems)]
    if problems:
        raise ImportRefused(sorted(problems, key=_reading_order))
    # With no problem every field was read; the asserts state it for the type checker.
    assert head.name and head.start_date and head.end_date and head.timezone
    return ClassPlan(
        name=head.name,
        start_date=head.start_date,
        end_date=head.end_date,
        timezone=head.timezone,
        settings=head.settings,
        people=tuple(people),
        sessions=tuple(sorted(sessions, key=lambda s: (s.starts_at.astimezone(UTC), s.row))),
        grades=GradesPlan(assessment, scores),
    )


def build_grades_plan(
    sheets: Sheets,
    source_problems: Sequence[Problem],
    *,
    scheme: Sequence[Component] | None,
    trainees: Mapping[str, str],
) -> GradesPlan:
    """Check a file of graduation sheets alone against a class already imported: its stored
    scheme (unless the file has its own) and its active trainees, phone -> name."""
    tables = {sheet: open_table(sheet, sheets[sheet]) for sheet in ORDER if sheet in sheets}
    assessment = check_assessment(tables.get("assessment"))
    chosen = assessment if "assessment" in tables else scheme
    scores = check_scores(tables.get("scores"), chosen, trainees)
    problems = [*source_problems, *(p for table in tables.values() for p in table.problems)]
    if problems:
        raise ImportRefused(sorted(problems, key=_reading_order))
    return GradesPlan(assessment, scores)


def _reading_order(problem: Problem) -> tuple[int, int]:
    # Sorting is stable, so problems of one row keep the order of the columns checked.
    return ORDER.index(problem.sheet), problem.row or 0


def check_class(table: Table | None, default_timezone: str) -> ClassHead:
    """Read the class sheet's single row: name, dates, time zone and settings."""
    empty = ClassHead(None, None, None, None, None, ClassSettings())
    if table is None or table.empty:
        return empty
    for unknown in table.header.unknown:
        # Here, unlike roster and schedule, every column is a setting: a misspelt one would
        # silently fall back to its default, so it is refused.
        table.problems.append(Problem("unknown_column", table.sheet, table.header.row, unknown, {}))
    if not table.rows:
        table.problem(None, None, "no_class_row")
        return empty
    row, *extra = table.rows
    for other in extra:
        table.problem(other, None, "extra_class_row", first_row=str(row.number))

    name = table.text(row, "name") or None
    table.required(row, "name")
    start_date = _date(table, row, "start_date")
    end_date = _date(table, row, "end_date")
    if start_date and end_date and end_date < start_date:
        table.problem(
            row,
            "end_date",
            "class_end_before_start",
            start=start_date.isoformat(),
            end=end_date.isoformat(),
        )
        start_date = end_date = None  # sessions cannot be placed in an impossible range
    timezone, zone = _timezone(table, row, default_timezone)
    settings = _settings(table, row)
    return ClassHead(name, start_date, end_date, timezone, zone, settings)


def _date(table: Table, row: RawRow, column: str) -> date | None:
    value = table.required(row, column)
    if value is None:
        return None
    day = parse_date(value)
    if day is None:
        table.problem(row, column, "bad_date", value=table.text(row, column))
    return day


def _timezone(table: Table, row: RawRow, default: str) -> tuple[str | None, ZoneInfo | None]:
    written = table.text(row, "timezone")
    zone = find_zone(written or default)
    if zone is None:
        # Without a timezone cell the default (from the configuration) is what failed.
        table.problem(
            row, "timezone" if written else None, "bad_timezone", value=written or default
        )
        return None, None
    return zone.key, zone


def _settings(table: Table, row: RawRow) -> ClassSettings:
    cells = {
        table.written(column): table.text(row, column)
        for column in table.header.index
        if setting_name(column) is not None
    }
    settings, problems = parse_settings(cells)
    for problem in problems:
        table.problems.append(
            Problem(problem.code, table.sheet, row.number, problem.column, dict(problem.params))
        )
    return settings
