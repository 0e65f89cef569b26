"""Each trainee's training file (培训档案): a Word document (bot/docx.py) with the class, the
person, their attendance session by session, their leave with its decisions, the leave
limit's outcome (a dismissal included) and the final assessment's place.

The sign-in rows are streamed by trainee: one file is built as soon as its trainee's rows
have passed, so a class of 900 never holds more than one trainee's rows.

Hook for the final assessment (结业考核): pass ``assessments`` (person id -> ``Assessment``)
to ``training_files``; a trainee without one gets the section marked "to be completed".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Final

from bot import docx
from bot.records.model import Assessment, ClassRecords
from bot.records.workbook import Labels
from bot.rules import leave_limit
from bot.rules.locales import Locale
from bot.rules.record import Record
from bot.texts import Texts
from storage import records
from storage.db import Snapshot
from storage.records import Held, LeaveEntry, Mark, Trainee

# The columns of the sessions' table (cm): date, time, session, hours, status, in, out, note.
SESSION_WIDTHS: Final = (2.2, 2.2, 5.2, 1.2, 1.8, 1.3, 1.3, 2.8)


@dataclass(frozen=True)
class TrainingFile:
    """One trainee's file: who, a file name (without extension), the .docx bytes."""

    trainee: Trainee
    number: int  # the trainee's place in the roster, from 1
    name: str
    data: bytes


async def training_files(
    db: Snapshot,
    recs: ClassRecords,
    texts: Texts,
    locale: Locale,
    assessments: Mapping[int, Assessment] | None = None,
) -> AsyncIterator[TrainingFile]:
    """Every active trainee's file, in roster order."""
    labels = Labels(texts, locale)
    leave_of: dict[int, list[LeaveEntry]] = {}
    for entry in await records.leave_register(db, recs.row.id):
        leave_of.setdefault(entry.person_id, []).append(entry)
    numbers = {t.person_id: n for n, t in enumerate(recs.trainees, start=1)}
    fixed = {s.id: _session_cells(recs, s) for s in recs.timetable}
    cells: dict[tuple[int, object], str] = {}  # the session tables' cells, shared by all files
    current: int | None = None
    rows: list[Mark] = []
    done: set[int] = set()

    def build(person_id: int, marks: list[Mark]) -> TrainingFile:
        done.add(person_id)
        number = numbers[person_id]
        return _file(
            recs,
            texts,
            locale,
            labels,
            number,
            person_id,
            marks,
            leave_of,
            fixed,
            assessments,
            cells,
        )

    async for batch in records.marks(db, recs.row.id, "person"):
        for mark in batch:
            if mark.person_id != current and current is not None:
                yield build(current, rows)
                rows = []
            current = mark.person_id
            rows.append(mark)
    if current is not None:
        yield build(current, rows)
    for trainee in recs.trainees:  # a class with no sessions yet: a file each all the same
        if trainee.person_id not in done:
            yield build(trainee.person_id, [])


def _session_cells(recs: ClassRecords, s: Held) -> tuple[str, ...]:
    """What a session's row says whoever's file it is in: date, time, title, class hours."""
    start, end = recs.local(s.starts_at), recs.local(s.ends_at)
    assert start is not None and end is not None
    return (f"{start:%Y-%m-%d}", f"{start:%H:%M}–{end:%H:%M}", s.title, leave_limit.show(s.hours))


def _file(
    recs: ClassRecords,
    texts: Texts,
    locale: Locale,
    labels: Labels,
    number: int,
    person_id: int,
    marks: list[Mark],
    leave_of: dict[int, list[LeaveEntry]],
    fixed: dict[int, tuple[str, ...]],
    assessments: Mapping[int, Assessment] | None,
    cells: dict[tuple[int, object], str],
) -> TrainingFile:
    trainee = recs.people[person_id]
    record = Record()
    sessions: list[tuple[str, ...]] = []
    for mark in marks:
        s = recs.sessions[mark.session_id]
        outcome = recs.outcome(mark)
        if recs.closed(mark.session_id):
            record.add(outcome, s.hours, recs.leave_type_of(mark))
        checkin, checkout = recs.local(mark.checkin_at), recs.local(mark.checkout_at)
        sessions.append(
            (
                *fixed[mark.session_id],
                labels.code("status", outcome.status.value),
                # What %H:%M writes, without strftime (360,000 times an export).
                f"{checkin.hour:02d}:{checkin.minute:02d}" if checkin else "",
                f"{checkout.hour:02d}:{checkout.minute:02d}" if checkout else "",
                labels("marked", reason=mark.override_reason or "") if mark.override_status else "",
            )
        )
    tally = recs.tally(person_id, record)
    decision = recs.limits.get(person_id)
    leave_rows = []
    for e in leave_of.get(person_id, []):
        decided = "；".join(
            f"{labels.code('decision', d.decision)}（{d.by}，{recs.local(d.at):%Y-%m-%d %H:%M}"
            + (f"，{d.reason}" if d.reason else "")
            + "）"
            for d in e.decisions
        )
        back = recs.local(e.reported_back_at)
        leave_rows.append(
            [
                labels.code("leave_type", e.leave_type),
                "；".join(f"{recs.local(at):%m-%d %H:%M} {title}" for at, title in e.sessions),
                leave_limit.show(e.hours),
                e.reason,
                decided,
                labels.code("request_status", e.status),
                f"{back:%Y-%m-%d %H:%M}" if back else "",
            ]
        )
    assessment = (assessments or {}).get(person_id)
    body = texts.xml(
        locale,
        "records.training_file",
        class_name=recs.row.name,
        first=recs.row.start_date,
        last=recs.row.end_date,
        name=trainee.name,
        unit=trainee.unit or "",
        total=leave_limit.show(recs.class_hours),
        held=leave_limit.show(record.held.hours),
        attended=leave_limit.show(record.attended.hours),
        rate=record.rate(),
        late=record.late.count,
        early=record.left_early.count,
        no_checkout=record.no_checkout.count,
        absent=leave_limit.show(record.absent.hours),
        leave_hours=leave_limit.show(record.leave_hours),
        sessions=docx.table_rows(sessions, SESSION_WIDTHS, cells),
        widths=SESSION_WIDTHS,
        leave=leave_rows,
        t=leave_limit.figures(tally),
        decision=None
        if decision is None
        else {
            "decision": labels.code("decision", decision.decision),
            "by": decision.by,
            "at": f"{recs.local(decision.at):%Y-%m-%d %H:%M}",
            "reason": decision.reason or "",
        },
        assessment=assessment,
        generated=f"{recs.local(recs.now):%Y-%m-%d %H:%M}",
    )
    name = labels("file_name", name=trainee.name, unit="")
    return TrainingFile(
        trainee, number, name, docx.document(body, title=f"{recs.row.name} {trainee.name}")
    )
