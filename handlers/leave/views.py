"""How leave looks: the values templates show and the keyboards, for replies and the outbox.

Every view of a request reads it as the database says now (who decided, the trainee's
figures against the limit), so a card sent late or edited after a decision tells the truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import (
    LeaveApprove,
    LeaveDay,
    LeaveForm,
    LeavePick,
    LeaveReject,
    LeaveStep,
    keyboard,
)
from bot.rules import attendance, class_settings, leave_limit
from bot.rules import leave as rules
from bot.rules.class_settings import ClassSettings
from bot.rules.leave_limit import Tally
from bot.rules.locales import Locale, recipient_locale
from bot.texts import Texts
from storage import classes, leave, people, sessions
from storage.classes import ClassRow
from storage.db import Queryable
from storage.people import Recipient
from storage.sessions import Session


@dataclass(frozen=True)
class ClassInfo:
    """A class with its parsed settings and zone."""

    row: ClassRow
    settings: ClassSettings

    @property
    def zone(self) -> ZoneInfo:
        """The class's time zone."""
        return ZoneInfo(self.row.timezone)

    def locale_of(self, who: Recipient | None, fallback: Locale) -> Locale:
        """The language to write to someone of this class in: theirs, else the class's."""
        return recipient_locale(who.locale if who else None, self.settings.locale, fallback)


async def class_info(db: Queryable, class_id: int) -> ClassInfo | None:
    """A class by id, with settings."""
    row = await classes.by_id(db, class_id)
    return None if row is None else ClassInfo(row, class_settings.from_json(row.settings))


# -- the figures of the one-seventh rule ---------------------------------------------------


def _absent(fact: leave.Attended, settings: ClassSettings, now: datetime) -> bool:
    record = attendance.Record(
        fact.checkin_at,
        fact.checkout_at,
        attendance.Status(fact.override_status) if fact.override_status else None,
    )
    outcome = attendance.status(
        record,
        attendance.windows(fact.starts_at, fact.ends_at, attendance.rules_of(settings)),
        on_leave=fact.on_leave,
        double_checkin=settings.double_checkin,
        now=now,
    )
    return outcome.status is attendance.Status.ABSENT


async def missed_hours(db: Queryable, info: ClassInfo, person_id: int, now: datetime) -> Fraction:
    """Hours of sessions missed without leave: the status ``absent`` of the attendance rules.

    Only closed sessions can be absent (the status decides), so this reads the sessions
    that ended before now, the person's records and their approved leave.
    """
    facts = await leave.closed_sessions_of(db, info.row.id, person_id, now)
    return leave_limit.total(f.hours for f in facts if _absent(f, info.settings, now))


async def absent_trainees(
    db: Queryable, info: ClassInfo, session_id: int, now: datetime
) -> list[int]:
    """The active trainees absent from a session at ``now`` (none before it closes)."""
    facts = await leave.trainees_of_session(db, session_id)
    return [f.person_id for f in facts if _absent(f, info.settings, now)]


async def tally_of(db: Queryable, info: ClassInfo, person_id: int, now: datetime) -> Tally:
    """A trainee's leave against their class's limit, as the database says now."""
    missed = (
        await missed_hours(db, info, person_id, now)
        if info.settings.absence_counts_toward_limit
        else Fraction(0)
    )
    by_type = await leave.approved_hours(db, info.row.id, person_id)
    counted, uncounted = leave_limit.split_counted(by_type, info.settings.leave_type_counts)
    return Tally(
        await sessions.class_hours(db, info.row.id),
        info.settings.leave_limit_ratio,
        counted,
        missed,
        uncounted,
    )


# -- values for the templates -------------------------------------------------------------


def session_view(session: Session, zone: ZoneInfo) -> dict[str, Any]:
    """A session as templates show it, in the class's local time."""
    start = session.starts_at.astimezone(zone)
    return {
        "id": session.id,
        "title": session.title,
        "day": start.date(),
        "start": start.strftime("%H:%M"),
        "end": session.ends_at.astimezone(zone).strftime("%H:%M"),
        "hours": leave_limit.show(session.hours),
    }


def moment_view(moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A moment as templates show it: local day and time."""
    local = moment.astimezone(zone)
    return {"day": local.date(), "time": local.strftime("%H:%M")}


def limit_decision_view(decision: leave.LimitDecisionRow | None, zone: ZoneInfo) -> Any:
    """A recorded over-limit decision as templates show it (None: nothing recorded)."""
    if decision is None:
        return None
    return {
        "decision": decision.decision,
        "reason": decision.reason,
        "name": decision.decider_name,
        "at": moment_view(decision.decided_at, zone),
    }


async def request_view(
    db: Queryable, info: ClassInfo, request: leave.LeaveRequest, now: datetime
) -> dict[str, Any]:
    """Everything a card or notice shows about a request."""
    name, unit = await people.name_and_unit(db, request.person_id)
    tally = await tally_of(db, info, request.person_id, now)
    counted = request.hours if request.status != "approved" else None
    decisions = [
        {
            "level": d.level,
            "name": d.decider_name,
            "decision": d.decision,
            "reason": d.reason,
            "at": moment_view(d.decided_at, info.zone),
        }
        for d in await leave.decisions_of(db, request.id)
    ]
    return {
        "id": request.id,
        "class_name": info.row.name,
        "name": name,
        "unit": unit,
        "status": request.status,
        "reason": request.reason,
        "attachment": request.attachment_kind,
        "hours": leave_limit.show(request.hours),
        "levels": request.levels_required,
        "sessions": [session_view(s, info.zone) for s in request.sessions],
        "tally": leave_limit.figures(tally, counted),
        "decisions": decisions,
        "limit_decision": limit_decision_view(
            await leave.limit_decision(db, info.row.id, request.person_id), info.zone
        ),
    }


async def decided_view(
    db: Queryable, info: ClassInfo, person_id: int, now: datetime
) -> dict[str, Any]:
    """The values of the ``limit_decided`` message: the figures now and the decision."""
    name, unit = await people.name_and_unit(db, person_id)
    return {
        "t": leave_limit.figures(await tally_of(db, info, person_id, now)),
        "name": name,
        "unit": unit,
        "class_name": info.row.name,
        "d": limit_decision_view(await leave.limit_decision(db, info.row.id, person_id), info.zone),
    }


# -- keyboards ------------------------------------------------------------------------------


def decide_keyboard(
    texts: Texts, locale: Locale, request_id: int, level: int
) -> InlineKeyboardMarkup:
    """Approve and Reject, for one level of one request."""
    return keyboard(
        [
            [
                (texts.plain(locale, "leave.approve"), LeaveApprove(request_id, level)),
                (texts.plain(locale, "leave.reject"), LeaveReject(request_id, level)),
            ]
        ]
    )


def picker_keyboard(
    texts: Texts,
    locale: Locale,
    zone: ZoneInfo,
    offered: Sequence[Session],
    chosen: set[int],
) -> InlineKeyboardMarkup:
    """The sessions on offer grouped by day, a whole day at a time or one by one."""
    rows: list[list[tuple[str, Any]]] = []
    for day, slots in rules.group_by_day(offered, zone):
        whole = all(s.id in chosen for s in slots)
        rows.append(
            [
                (
                    texts.plain(locale, "leave.day_button", day=day, chosen=whole),
                    LeaveDay(day.isoformat()),
                )
            ]
        )
        rows.extend(
            [
                (
                    texts.plain(
                        locale,
                        "leave.session_button",
                        s=session_view(s, zone),  # type: ignore[arg-type]
                        chosen=s.id in chosen,
                    ),
                    LeavePick(s.id),
                )
            ]
            for s in slots
        )
    rows.append(
        [
            (texts.plain(locale, "leave.done"), LeaveForm(LeaveStep.DONE)),
            (texts.plain(locale, "leave.abort"), LeaveForm(LeaveStep.ABORT)),
        ]
    )
    return keyboard(rows)
