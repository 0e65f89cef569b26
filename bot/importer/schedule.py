"""Checking the schedule sheet: times in the class's zone, instructors, class hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.importer.model import SessionPlan
from bot.importer.readers import RawRow
from bot.importer.roster import Instructors
from bot.importer.table import Progress, Table
from bot.importer.values import derive_hours, parse_datetime, parse_hours, split_list, to_utc


@dataclass(frozen=True)
class ClassFrame:
    """What the class sheet says that sessions are checked against."""

    zone: ZoneInfo
    start_date: date | None  # None when the class's own dates were bad: nothing to check
    end_date: date | None


def check_schedule(
    table: Table | None, frame: ClassFrame, instructors: Instructors, progress: Progress | None
) -> list[SessionPlan]:
    """Turn schedule rows into sessions; every bad cell is recorded on the table."""
    if table is None or table.empty:
        return []
    if not table.rows:
        table.problem(None, None, "no_rows")
    sessions: list[SessionPlan] = []
    first_row_of_id: dict[str, int] = {}
    # (title, start) -> (first row, whether it had an id)
    first_row_of_session: dict[tuple[str, datetime], tuple[int, bool]] = {}
    for done, row in enumerate(table.rows, start=1):
        before = len(table.problems)
        external_id = table.text(row, "id") or None
        if external_id is not None:
            first = first_row_of_id.setdefault(external_id, row.number)
            if first != row.number:
                table.problem(
                    row, "id", "duplicate_session_id", value=external_id, first_row=str(first)
                )
        title = table.text(row, "title") if table.required(row, "title") is not None else ""
        phones = _instructors(table, row, instructors)
        starts_at = _moment(table, row, "starts_at", frame.zone)
        ends_at = _moment(table, row, "ends_at", frame.zone)
        if starts_at is not None and ends_at is not None:
            _check_times(table, row, frame, starts_at, ends_at)
        if title and starts_at is not None:
            # Without ids a session is known by its title and start, so a re-import could
            # not tell two alike apart: one would swallow the other.
            key = (title, starts_at)
            first, had_id = first_row_of_session.setdefault(key, (row.number, bool(external_id)))
            if first != row.number and not (had_id and external_id):
                table.problem(row, "title", "duplicate_session", value=title, first_row=str(first))
        hours = _hours(table, row, starts_at, ends_at)
        if len(table.problems) == before and starts_at and ends_at and hours is not None:
            location = table.text(row, "location") or None
            sessions.append(
                SessionPlan(
                    row.number, external_id, title, phones, starts_at, ends_at, location, hours
                )
            )
        table.report(progress, done)
    return sessions


def _instructors(table: Table, row: RawRow, instructors: Instructors) -> tuple[str, ...]:
    phones: list[str] = []
    for name in split_list(table.text(row, "instructor")):
        if not instructors.usable:
            continue
        phone, code = instructors.resolve(name)
        if code is not None:
            table.problem(row, "instructor", code, value=name)
        elif phone is not None and phone not in phones:
            phones.append(phone)
    return tuple(phones)


def _moment(table: Table, row: RawRow, column: str, zone: ZoneInfo) -> datetime | None:
    value = table.required(row, column)
    if value is None:
        return None
    local = parse_datetime(value)
    if local is None:
        table.problem(row, column, "bad_datetime", value=table.text(row, column))
        return None
    moment, code = to_utc(local, zone)
    if code is not None:
        table.problem(row, column, code, value=table.text(row, column), timezone=zone.key)
    return moment


def _check_times(
    table: Table, row: RawRow, frame: ClassFrame, starts_at: datetime, ends_at: datetime
) -> None:
    start, end = table.text(row, "starts_at"), table.text(row, "ends_at")
    if ends_at <= starts_at:
        table.problem(row, "ends_at", "end_before_start", start=start, end=end)
    if frame.start_date is None or frame.end_date is None:
        return
    dates = {"start_date": frame.start_date.isoformat(), "end_date": frame.end_date.isoformat()}
    if starts_at.astimezone(frame.zone).date() < frame.start_date:
        table.problem(row, "starts_at", "session_outside_class", value=start, **dates)
    if ends_at.astimezone(frame.zone).date() > frame.end_date:
        table.problem(row, "ends_at", "session_outside_class", value=end, **dates)


def _hours(
    table: Table, row: RawRow, starts_at: datetime | None, ends_at: datetime | None
) -> float | None:
    if table.cell(row, "hours") is None:
        if starts_at is None or ends_at is None or ends_at <= starts_at:
            return None
        return derive_hours(starts_at, ends_at)
    hours = parse_hours(table.cell(row, "hours"))
    if hours is None:
        table.problem(row, "hours", "bad_hours", value=table.text(row, "hours"))
    return hours
