"""Applying a validated class plan: create or update the class in place, in one transaction.

Matching: the class by name, people by phone, sessions by their id/编号 column when the file
has one, else by title and start time. People and sessions that the new file no longer
lists are not deleted, because they may have records: memberships become inactive and
sessions are cancelled. A cancelled session that a later file lists again is restored
(its id/编号 stays taken while it is cancelled), and ids added to a timetable that had
none attach to the sessions matched by title and start.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any, Protocol

from storage import audit, grades
from storage.db import Database, Tx
from storage.people import new_invite_code
from storage.times import from_db, to_db

Progress = Callable[[str, int, int], None]


# What is written: a validated plan (bot/importer/model.py makes one), as storage reads it.
class PersonPlan(Protocol):
    """One roster row."""

    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def roles(self) -> Collection[str]: ...


class SessionPlan(Protocol):
    """One timetable row."""

    @property
    def external_id(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def instructor_phones(self) -> Sequence[str]: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def location(self) -> str | None: ...
    @property
    def hours(self) -> float: ...


class ComponentPlan(Protocol):
    """graduation: one component of the assessment scheme."""

    @property
    def name(self) -> str: ...
    @property
    def weight(self) -> Fraction: ...


class ScoreRowPlan(Protocol):
    """graduation: one row of the scores sheet."""

    @property
    def phone(self) -> str: ...
    @property
    def scores(self) -> Sequence[tuple[str, Fraction]]: ...


class GradesPlan(Protocol):
    """graduation: the assessment and scores sheets (None: the file has no such sheet)."""

    @property
    def assessment(self) -> Sequence[ComponentPlan] | None: ...
    @property
    def scores(self) -> Sequence[ScoreRowPlan] | None: ...


class ClassPlan(Protocol):
    """A whole class, checked and ready to be written; its settings as JSON."""

    @property
    def name(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date: ...
    @property
    def timezone(self) -> str: ...
    @property
    def settings_json(self) -> str: ...
    @property
    def people(self) -> Sequence[PersonPlan]: ...
    @property
    def sessions(self) -> Sequence[SessionPlan]: ...
    @property
    def grades(self) -> GradesPlan: ...


Row = Any  # a sessions row as selected in _sync_sessions


@dataclass
class ImportReport:
    """What an import changed, for the person who ran it and for the audit log."""

    class_id: int = 0
    class_created: bool = False
    class_changes: list[str] = field(default_factory=list)
    people_added: list[str] = field(default_factory=list)
    people_changed: list[str] = field(default_factory=list)
    people_removed: list[str] = field(default_factory=list)
    sessions_added: list[str] = field(default_factory=list)
    sessions_changed: list[tuple[int, str, list[str]]] = field(default_factory=list)
    sessions_cancelled: list[tuple[int, str]] = field(default_factory=list)
    grades: grades.GradesReport = field(default_factory=grades.GradesReport)

    @property
    def unchanged(self) -> bool:
        """True when the import found nothing to change."""
        return self.grades.unchanged and not (
            self.class_created
            or self.class_changes
            or self.people_added
            or self.people_changed
            or self.people_removed
            or self.sessions_added
            or self.sessions_changed
            or self.sessions_cancelled
        )


async def apply_plan(
    db: Database, plan: ClassPlan, now: datetime, progress: Progress | None = None
) -> ImportReport:
    """Write the plan to the database in one transaction and report the changes."""

    async def op(tx: Tx) -> ImportReport:
        report = ImportReport()
        report.class_id = await _upsert_class(tx, plan, now, report)
        phone_to_id = await _sync_people(tx, report.class_id, plan.people, now, report, progress)
        await _sync_sessions(tx, report.class_id, plan.sessions, phone_to_id, now, report, progress)
        report.grades = await apply_grades_plan(tx, report.class_id, plan.grades, now)
        if not report.unchanged:
            await audit.record(
                tx,
                at=now,
                actor="cli",
                action="class.import",
                class_id=report.class_id,
                subject=f"class:{report.class_id}",
                details=_summary(report),
            )
        return report

    return await db.write(op)


async def apply_grades_plan(
    tx: Tx, class_id: int, plan: GradesPlan, now: datetime
) -> grades.GradesReport:
    """graduation: write a file's assessment scheme and scores (storage/grades.py)."""
    assessment = (
        [(c.name, c.weight) for c in plan.assessment] if plan.assessment is not None else None
    )
    scores = [(r.phone, r.scores) for r in plan.scores] if plan.scores else None
    return await grades.apply_grades(tx, class_id, assessment, scores, now)


def _summary(report: ImportReport) -> dict[str, object]:
    return {
        "created": report.class_created,
        "class_changes": report.class_changes,
        "people_added": len(report.people_added),
        "people_changed": len(report.people_changed),
        "people_removed": len(report.people_removed),
        "sessions_added": len(report.sessions_added),
        "sessions_changed": [sid for sid, _, _ in report.sessions_changed],
        # Which fields of each session changed: the bot tells people of time/place changes.
        "session_fields": {str(sid): fields for sid, _, fields in report.sessions_changed},
        "sessions_cancelled": [sid for sid, _ in report.sessions_cancelled],
    }


async def _upsert_class(tx: Tx, plan: ClassPlan, now: datetime, report: ImportReport) -> int:
    values = {
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "timezone": plan.timezone,
        "settings": plan.settings_json,
    }
    row = await tx.fetchone(
        "SELECT id, start_date, end_date, timezone, settings FROM classes WHERE name = ?",
        (plan.name,),
    )
    if row is None:
        report.class_created = True
        return await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, settings, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (plan.name, *values.values(), to_db(now), to_db(now)),
        )
    class_id = row[0]
    old = dict(zip(("start_date", "end_date", "timezone", "settings"), row[1:], strict=True))
    changed = [key for key in values if old[key] != values[key]]
    if changed:
        if "settings" in changed:
            before, after = json.loads(old["settings"] or "{}"), json.loads(values["settings"])
            changed.remove("settings")
            changed += sorted(k for k in after if before.get(k) != after[k])
        report.class_changes = changed
        await tx.execute(
            "UPDATE classes SET start_date = ?, end_date = ?, timezone = ?, settings = ?,"
            " updated_at = ? WHERE id = ?",
            (*values.values(), to_db(now), class_id),
        )
    return class_id


async def _sync_people(
    tx: Tx,
    class_id: int,
    plans: Sequence[PersonPlan],
    now: datetime,
    report: ImportReport,
    progress: Progress | None,
) -> dict[str, int]:
    phone_to_id: dict[str, int] = {}
    for done, person in enumerate(plans, 1):
        row = await tx.fetchone(
            "SELECT id, name, unit FROM people WHERE phone = ?", (person.phone,)
        )
        if row is None:
            person_id = await tx.insert(
                "INSERT INTO people (name, phone, unit, invite_code, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (person.name, person.phone, person.unit, new_invite_code(), to_db(now), to_db(now)),
            )
            report.people_added.append(person.name)
        else:
            person_id = row[0]
            if (row[1], row[2]) != (person.name, person.unit):
                await tx.execute(
                    "UPDATE people SET name = ?, unit = ?, updated_at = ? WHERE id = ?",
                    (person.name, person.unit, to_db(now), person_id),
                )
                report.people_changed.append(person.name)
        phone_to_id[person.phone] = person_id
        roles_changed = await _sync_roles(tx, class_id, person_id, {str(r) for r in person.roles})
        if roles_changed and row is not None and person.name not in report.people_changed:
            report.people_changed.append(person.name)
        if progress and (done % 100 == 0 or done == len(plans)):
            progress("roster", done, len(plans))
    # Whoever the file no longer lists leaves the class, keeping their records.
    listed = set(phone_to_id.values())
    rows = await tx.fetchall(
        "SELECT DISTINCT p.id, p.name FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND m.active = 1",
        (class_id,),
    )
    for person_id, name in rows:
        if person_id not in listed:
            await tx.execute(
                "UPDATE memberships SET active = 0 WHERE class_id = ? AND person_id = ?",
                (class_id, person_id),
            )
            report.people_removed.append(name)
    return phone_to_id


async def _sync_roles(tx: Tx, class_id: int, person_id: int, roles: set[str]) -> bool:
    rows = await tx.fetchall(
        "SELECT role, active FROM memberships WHERE class_id = ? AND person_id = ?",
        (class_id, person_id),
    )
    current = {role for role, active in rows if active}
    if current == roles:
        return False
    known = {role for role, _ in rows}
    for role in roles - known:
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role, active) VALUES (?, ?, ?, 1)",
            (class_id, person_id, role),
        )
    for role in known:
        await tx.execute(
            "UPDATE memberships SET active = ? WHERE class_id = ? AND person_id = ? AND role = ?",
            (int(role in roles), class_id, person_id, role),
        )
    return True


async def _sync_sessions(
    tx: Tx,
    class_id: int,
    plans: Sequence[SessionPlan],
    phone_to_id: dict[str, int],
    now: datetime,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    # Cancelled sessions are looked up too: one put back into the timetable is restored
    # with its records, and its id/编号 is still taken (UNIQUE per class).
    rows = await tx.fetchall(
        "SELECT id, external_id, title, starts_at, ends_at, location, hours, cancelled_at"
        " FROM sessions WHERE class_id = ? ORDER BY cancelled_at IS NULL, id",
        (class_id,),
    )
    by_external = {r[1]: r for r in rows if r[1] is not None}
    # Active rows come last, so they win over a cancelled one with the same title and start.
    by_title_start = {(r[2], from_db(r[3])): r for r in rows}
    kept: set[int] = set()
    for done, plan in enumerate(plans, 1):
        instructor_ids = [phone_to_id[p] for p in plan.instructor_phones]
        row = _match(plan, by_external, by_title_start)
        if row is not None and row[0] in kept:
            row = None  # already matched by another row of this file
        if row is None:
            session_id = await _insert_session(tx, class_id, plan, now)
            report.sessions_added.append(plan.title)
            await _sync_instructors(tx, session_id, instructor_ids)
        else:
            session_id = row[0]
            changed = _session_changes(row, plan)
            if changed or row[7] is not None:
                await tx.execute(
                    "UPDATE sessions SET external_id = ?, title = ?, starts_at = ?, ends_at = ?,"
                    " location = ?, hours = ?, cancelled_at = NULL, updated_at = ? WHERE id = ?",
                    (
                        plan.external_id if plan.external_id is not None else row[1],
                        plan.title,
                        to_db(plan.starts_at),
                        to_db(plan.ends_at),
                        plan.location,
                        plan.hours,
                        to_db(now),
                        session_id,
                    ),
                )
            if await _sync_instructors(tx, session_id, instructor_ids):
                changed.append("instructor")
            if row[7] is not None:
                # Put back after a cancellation: to the reader it is a session added.
                report.sessions_added.append(plan.title)
            elif changed:
                report.sessions_changed.append((session_id, plan.title, changed))
        kept.add(session_id)
        if progress and (done % 100 == 0 or done == len(plans)):
            progress("schedule", done, len(plans))
    for row in rows:
        if row[0] not in kept and row[7] is None:
            await tx.execute(
                "UPDATE sessions SET cancelled_at = ?, updated_at = ? WHERE id = ?",
                (to_db(now), to_db(now), row[0]),
            )
            report.sessions_cancelled.append((row[0], row[2]))


def _match(
    plan: SessionPlan,
    by_external: dict[str, Row],
    by_title_start: dict[tuple[str, datetime], Row],
) -> Row | None:
    """The stored session a timetable row stands for: by its id, else by title and start."""
    if plan.external_id is not None and plan.external_id in by_external:
        return by_external[plan.external_id]
    row = by_title_start.get((plan.title, plan.starts_at))
    if row is None:
        return None
    if plan.external_id is not None and row[1] is not None:
        return None  # a session with another id that happens to share title and start
    # Either the file has no ids, or it now gives one to a session stored without.
    return row


def _session_changes(row: Row, plan: SessionPlan) -> list[str]:
    old = {
        "id": row[1],
        "title": row[2],
        "starts_at": from_db(row[3]),
        "ends_at": from_db(row[4]),
        "location": row[5],
        "hours": row[6],
    }
    new = {
        # A file without ids keeps the stored ones.
        "id": plan.external_id if plan.external_id is not None else row[1],
        "title": plan.title,
        "starts_at": plan.starts_at,
        "ends_at": plan.ends_at,
        "location": plan.location,
        "hours": plan.hours,
    }
    return [key for key in old if old[key] != new[key]]


async def _insert_session(tx: Tx, class_id: int, plan: SessionPlan, now: datetime) -> int:
    return await tx.insert(
        "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, location, hours,"
        " secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            class_id,
            plan.external_id,
            plan.title,
            to_db(plan.starts_at),
            to_db(plan.ends_at),
            plan.location,
            plan.hours,
            secrets.token_hex(16),
            to_db(now),
            to_db(now),
        ),
    )


async def _sync_instructors(tx: Tx, session_id: int, person_ids: list[int]) -> bool:
    rows = await tx.fetchall(
        "SELECT person_id FROM session_instructors WHERE session_id = ? ORDER BY position",
        (session_id,),
    )
    if [r[0] for r in rows] == person_ids:
        return False
    await tx.execute("DELETE FROM session_instructors WHERE session_id = ?", (session_id,))
    await tx.executemany(
        "INSERT INTO session_instructors (session_id, person_id, position) VALUES (?, ?, ?)",
        [(session_id, pid, pos) for pos, pid in enumerate(person_ids)],
    )
    return True
