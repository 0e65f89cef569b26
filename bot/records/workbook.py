"""A class's records as one workbook: attendance summary, sign-in sheet, leave register,
ratings and audit trail, each sheet named and headed in the class's language.

Written by bot.sheets.StreamingBook, rows streamed from one snapshot of the database: a
class of 900 trainees and 200 sessions is 180,000 sign-in rows, never all in memory. The
summary sheet comes first in the workbook but is filled last, from the totals the sign-in
rows add up as they pass. Every string is a text cell, never a formula; dates
and times are real ones, local to the class.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from datetime import datetime
from fractions import Fraction
from typing import IO, Any, Final

from bot.records.model import Assessment, ClassRecords
from bot.rules import rating, rating_stats
from bot.rules.attendance import Status
from bot.rules.locales import Locale
from bot.rules.record import Record
from bot.sheets import DATE, MOMENT, PERCENT, TIME, StreamingBook, StreamingSheet
from bot.texts import Texts
from storage import records
from storage.db import Snapshot


class Labels:
    """The class's words for every code a sheet shows, rendered once per distinct value."""

    def __init__(self, texts: Texts, locale: Locale) -> None:
        self.texts = texts
        self.locale = locale
        self._memo: dict[tuple[str, Any], str] = {}
        self._codes: dict[tuple[str, str], str] = {}

    def __call__(self, name: str, /, **values: Any) -> str:
        """The text ``records.<name>`` with these values."""
        key = (name, tuple(sorted(values.items())))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self.texts.plain(self.locale, f"records.{name}", **values)
        return found

    def code(self, macro: str, name: str) -> str:
        """A code in words (a status, a method, a type, a decision): ``records.<macro>``."""
        found = self._codes.get((macro, name))
        if found is None:
            found = self._codes[macro, name] = self.texts.plain(
                self.locale, f"records.{macro}", name=name
            )
        return found

    def columns(self, name: str) -> list[str]:
        """A sheet's column headers."""
        return self("columns", name=name).split("|")

    def dimension(self, name: str) -> str:
        """A rating question's label."""
        return self.texts.plain(self.locale, "ratings.dimension", name=name)


def hours(value: Fraction) -> float:
    """Class hours as a number for a cell (two decimals at most)."""
    return round(float(value), 2)


def _sheet(
    book: StreamingBook, labels: Labels, recs: ClassRecords, name: str, widths: list[float]
) -> StreamingSheet:
    sheet = book.sheet(labels("sheet", name=name), widths)
    row = recs.row
    sheet.row(
        [
            labels(
                "title",
                class_name=row.name,
                first=row.start_date,
                last=row.end_date,
                generated=f"{recs.local(recs.now):%Y-%m-%d %H:%M}",
            )
        ],
        bold=True,
    )
    return sheet


def _header(sheet: StreamingSheet, headers: list[str]) -> None:
    sheet.row(headers, bold=True)


async def write(
    db: Snapshot,
    recs: ClassRecords,
    texts: Texts,
    locale: Locale,
    out: IO[bytes],
    *,
    rng: random.Random | None = None,
    assessments: Mapping[int, Assessment] | None = None,
) -> None:
    """Write the class's workbook to ``out``; ``rng`` orders the ratings' comments;
    ``assessments`` fill the summary's final-assessment columns (published results)."""
    labels = Labels(texts, locale)
    book = StreamingBook()
    types = recs.leave_types()
    summary = _sheet(
        book,
        labels,
        recs,
        "summary",
        [6, 12, 20, 14] + [9] * (9 + len(types)) + [9, 9, 9, 12, 9, 8, 24],
    )
    signin = _sheet(
        book,
        labels,
        recs,
        "signin",
        [11, 7, 7, 28, 12, 6, 12, 18, 10, 8, 8, 16, 10, 16, 10, 18, 24],
    )
    register = _sheet(
        book,
        labels,
        recs,
        "leave",
        [6, 12, 18, 8, 8, 36, 6, 28, 16, 6, 10] + [8, 10, 16, 16] * 2 + [8, 16, 16],
    )
    ratings_sheet = _sheet(book, labels, recs, "ratings", [11, 28, 12, 9] + [9] * 6 + [60])
    audit_sheet = _sheet(book, labels, recs, "audit", [16, 12, 14, 28, 12, 12, 24, 40])
    tallies = await _signin(db, recs, labels, signin)
    _summary(recs, labels, summary, types, tallies, assessments or {})
    _register(recs, labels, register, await records.leave_register(db, recs.row.id))
    await _ratings(db, recs, labels, ratings_sheet, rng or random.Random())
    await _audit(db, recs, labels, audit_sheet)
    book.save(out)


# -- sign-in sheet -------------------------------------------------------------------------


async def _signin(
    db: Snapshot, recs: ClassRecords, labels: Labels, sheet: StreamingSheet
) -> dict[int, Record]:
    """Stream one row per trainee and session; return each trainee's closed sessions summed."""
    _header(sheet, labels.columns("signin"))
    formats = [
        DATE,
        TIME,
        TIME,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        MOMENT,
        None,
        MOMENT,
    ]
    tallies = {t.person_id: Record() for t in recs.trainees}
    fixed: dict[int, list[Any]] = {}
    for s in recs.timetable:
        start, end = recs.local(s.starts_at), recs.local(s.ends_at)
        assert start is not None and end is not None
        fixed[s.id] = [
            start.date(),
            start.time(),
            end.time(),
            s.title,
            "、".join(s.instructors),
            hours(s.hours),
        ]
    async for batch in records.marks(db, recs.row.id, "session"):
        for mark in batch:
            outcome = recs.outcome(mark)
            closed = recs.closed(mark.session_id)
            if closed:
                tallies[mark.person_id].add(
                    outcome, recs.sessions[mark.session_id].hours, recs.leave_type_of(mark)
                )
            who = recs.people[mark.person_id]
            cover = recs.covers.get((mark.person_id, mark.session_id))
            sheet.row(
                [
                    *fixed[mark.session_id],
                    who.name,
                    who.unit,
                    labels.code("status", outcome.status.value),
                    outcome.late_minutes,
                    outcome.early_minutes,
                    recs.local(mark.checkin_at),
                    labels.code("method", mark.checkin_method) if mark.checkin_method else None,
                    recs.local(mark.checkout_at),
                    labels.code("method", mark.checkout_method) if mark.checkout_method else None,
                    labels("cover", type=cover.leave_type, status=cover.status, id=cover.request_id)
                    if cover
                    else None,
                    labels("marked", reason=mark.override_reason or "")
                    if mark.override_status
                    else None,
                ],
                formats,
            )
    return tallies


# -- attendance summary ------------------------------------------------------------------------


def _summary(
    recs: ClassRecords,
    labels: Labels,
    sheet: StreamingSheet,
    types: list[str],
    tallies: dict[int, Record],
    assessments: Mapping[int, Assessment],
) -> None:
    _header(
        sheet,
        labels.columns("summary")
        + [labels("leave_hours", type=t) for t in types]
        + labels.columns("summary_tail")
        + labels.columns("summary_grades"),
    )
    tail = [None] * (11 + len(types)) + [None, PERCENT, PERCENT]
    total = recs.class_hours
    sums = Record()
    for n, trainee in enumerate(recs.trainees, start=1):
        record = tallies[trainee.person_id]
        tally = recs.tally(trainee.person_id, record)
        decision = recs.limits.get(trainee.person_id)
        sheet.row(
            [
                n,
                trainee.name,
                trainee.unit,
                trainee.phone,
                hours(total),
                hours(record.held.hours),
                hours(record.attended.hours),
                record.late.count,
                record.left_early.count,
                record.no_checkout.count,
                hours(record.absent.hours),
                *[hours(record.leave[t].hours) if t in record.leave else 0 for t in types],
                hours(record.leave_hours),
                _share(tally.used, tally.limit),
                _share(record.attended.hours, record.held.hours),
                labels.code("decision", decision.decision) if decision else None,
                *_assessed(assessments.get(trainee.person_id)),
            ],
            tail,
        )
        _merge(sums, record)
    sheet.row(
        [
            labels("total"),
            None,
            None,
            None,
            hours(total * len(recs.trainees)),
            hours(sums.held.hours),
            hours(sums.attended.hours),
            sums.late.count,
            sums.left_early.count,
            sums.no_checkout.count,
            hours(sums.absent.hours),
            *[hours(sums.leave[t].hours) if t in sums.leave else 0 for t in types],
            hours(sums.leave_hours),
            None,
            _share(sums.attended.hours, sums.held.hours),
            None,
        ],
        tail,
        bold=False,
    )


def _assessed(assessment: Assessment | None) -> list[float | str | None]:
    """The final score (a number), the grade and the outcome, as published; blank before."""
    if assessment is None:
        return [None, None, None]
    try:
        score: float | str | None = float(assessment.score) if assessment.score else None
    except ValueError:
        score = assessment.score
    return [score, assessment.grade, assessment.outcome]


def _share(part: Fraction, whole: Fraction) -> float | None:
    return None if whole == 0 else float(part / whole)


def _merge(into: Record, record: Record) -> None:
    for name in ("held", "attended", "late", "left_early", "no_checkout", "absent"):
        mine, theirs = getattr(into, name), getattr(record, name)
        mine.count += theirs.count
        mine.hours += theirs.hours
        mine.minutes += theirs.minutes
    for leave_type, part in record.leave.items():
        mine = into.leave.setdefault(leave_type, type(part)())
        mine.count += part.count
        mine.hours += part.hours


# -- leave register ----------------------------------------------------------------------------


def _register(
    recs: ClassRecords,
    labels: Labels,
    sheet: StreamingSheet,
    entries: list[records.LeaveEntry],
) -> None:
    _header(sheet, labels.columns("leave"))
    formats = (
        [None] * 8
        + [MOMENT]
        + [None] * 4
        + [MOMENT, None, None, None, MOMENT, None, None, MOMENT, MOMENT]
    )
    yes, no = labels("yes"), labels("no")
    for e in entries:
        levels: list[Any] = []
        for level in (1, 2):
            d = next((d for d in e.decisions if d.level == level), None)
            levels += (
                [labels.code("decision", d.decision), d.by, recs.local(d.at), d.reason]
                if d
                else [None] * 4
            )
        sheet.row(
            [
                e.id,
                e.name,
                e.unit,
                labels.code("leave_type", e.leave_type),
                yes if recs.settings.leave_type_counts(e.leave_type) else no,
                "；".join(f"{recs.local(at):%m-%d %H:%M} {title}" for at, title in e.sessions),
                hours(e.hours),
                e.reason,
                recs.local(e.created_at),
                yes if e.retroactive else no,
                e.recorded_by,
                *levels,
                labels.code("request_status", e.status),
                recs.local(e.ended_early_at),
                recs.local(e.reported_back_at),
            ],
            formats,
        )


# -- ratings -----------------------------------------------------------------------------------


async def _ratings(
    db: Snapshot,
    recs: ClassRecords,
    labels: Labels,
    sheet: StreamingSheet,
    rng: random.Random,
) -> None:
    """Per lecture whose rating closed, with at least the class's fewest answers: the count,
    each question's average, satisfaction, and comments in a random order; no rater."""
    dims = recs.settings.rating_dimensions
    _header(
        sheet,
        labels.columns("ratings")
        + [labels.dimension(d) for d in dims]
        + labels.columns("ratings_tail"),
    )
    formats = [DATE] + [None] * (3 + len(dims)) + [PERCENT]
    stored = await records.ratings_of_class(db, recs.row.id)
    overall = rating_stats.overall_of(dims)
    for s in recs.timetable:
        if not rating.closed(rating.window(s.ends_at, recs.settings), recs.now):
            continue
        given = [rating_stats.Rating(sc, c, overall) for sc, c in stored.get(s.id, [])]
        if not given or len(given) < recs.settings.rating_min_responses:
            continue
        summary = rating_stats.summarize(
            given, dims, min_responses=recs.settings.rating_min_responses, rng=rng
        )
        start = recs.local(s.starts_at)
        assert start is not None
        sheet.row(
            [
                start.date(),
                s.title,
                "、".join(s.instructors),
                summary.responses,
                *[
                    None if summary.averages[d] is None else round(summary.averages[d], 2)
                    for d in dims
                ],
                summary.satisfaction,
                " / ".join(summary.comments),
            ],
            formats,
        )


# -- audit trail -------------------------------------------------------------------------------

# What the audit sheet shows in its own columns; the rest of an entry's details follow as JSON.
_SHOWN: Final = frozenset({"before", "after", "from", "decision", "reason", "status"})
_STATUSES: Final = frozenset(s.value for s in Status)


def describe(
    recs_local: Callable[[datetime], datetime | None],
    class_name: str,
    labels: Labels,
    entry: records.AuditEntry,
    titles: dict[int, str],
) -> list[Any]:
    """An audit entry as cells: when, who, what, about whom, before, after, why, details."""
    details = entry.details
    kind, _, ref = (entry.subject or "").partition(":")
    title = None
    if kind == "attendance":
        session = ref.split(":")[1] if ref.count(":") >= 1 else ""
        title = titles.get(int(session)) if session.isdigit() else None
    who = entry.subject_name or entry.subject
    if kind == "class":
        who = class_name
    if kind in ("leave", "correction"):
        who = f"{entry.subject_name or ''} #{ref}".strip()
    before = details.get("before", details.get("from"))
    after = details.get("after", details.get("decision"))
    return [
        recs_local(entry.at),
        entry.actor_name or labels("actor", kind=entry.actor),
        labels("action", name=entry.action),
        labels("subject", kind=kind, name=who or "", title=title or "") if who else None,
        _code(labels, before, attendance=kind == "attendance"),
        _code(labels, after, attendance=kind == "attendance"),
        details.get("reason") if isinstance(details.get("reason"), str) else None,
        json.dumps({k: v for k, v in details.items() if k not in _SHOWN}, ensure_ascii=False)
        if set(details) - _SHOWN
        else None,
    ]


def _code(labels: Labels, value: object, *, attendance: bool) -> str | None:
    """A status, a request's state or a decision in words; anything else as it is."""
    if value is None:
        return None
    text = str(value)
    if attendance and text in _STATUSES:
        return labels.code("status", text)
    if text in ("approve", "reject", "dismissed", "continues"):
        return labels.code("decision", text)
    if text in ("pending", "approved", "rejected", "cancelled", "withdrawn", "expired"):
        return labels.code("request_status", text)
    return text


async def _audit(db: Snapshot, recs: ClassRecords, labels: Labels, sheet: StreamingSheet) -> None:
    _header(sheet, labels.columns("audit"))
    titles = {s.id: s.title for s in recs.timetable}
    async for batch in records.audit_trail(db, recs.row.id):
        for entry in batch:
            sheet.row(describe(recs.local, recs.row.name, labels, entry, titles), [MOMENT])
