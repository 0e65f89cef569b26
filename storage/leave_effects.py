"""What check-in does to leave, in the check-in's own transactions; and the limit warnings.

The leave feature owns this module; check-in calls it so that checking in during one's own
approved leave ends that leave early and counts as reporting back (销假), a check-in after
the leave counts as reporting back, and a session's close (when its absences become final)
warns the trainees its absences take past 50%, 80% or 100% of the leave limit. The approval
of leave warns through the same ``warn_limit``, so each threshold is told once whatever
took the trainee past it.

storage/ never imports telegram, so the notices are written here by hand: plain HTML text
and, for the over-limit notice to the deciders, an inline keyboard as the Bot API's JSON.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from functools import cache
from typing import Any

from bot.callbacks import Action, pack
from bot.rules import class_settings, leave_limit
from bot.rules import leave as leave_rules
from bot.rules.class_settings import ClassSettings
from bot.rules.locales import Locale, parse_locale
from bot.texts import Texts
from storage import attendance, audit, leave, outbox
from storage.db import Tx
from storage.times import from_db

# Who hears of each threshold: the 50% and 80% warnings go to the class managers, the
# over-limit flag to the managers and the admins, who may record the decision.
_STAFF_ROLES = {50: ("manager",), 80: ("manager",), 100: ("manager", "admin")}
LIMIT_DECISIONS = ("dismissed", "continues")


async def after_checkin(
    tx: Tx, *, class_id: int, person_id: int, session_id: int, now: datetime
) -> list[int]:
    """Apply a check-in's effect on the person's leave; return the leave request ids changed.

    A check-in to a session the approved leave covers ends the leave early (the hours of the
    sessions from there on are given back: ``hours`` drops) and marks it reported back; a
    check-in to a session after the leave's sessions marks it reported back.
    """
    # Most check-ins come from someone with no open leave: one query, then nothing.
    open_leave = await leave.unreported_leave(tx, person_id, class_id)
    if not open_leave:
        return []
    here = await tx.fetchone("SELECT starts_at FROM sessions WHERE id = ?", (session_id,))
    if here is None:
        return []
    changed: list[int] = []
    for request in open_leave:
        ids = [s.id for s in request.sessions]
        if session_id in ids and request.ended_early_at is None:
            attended = await attendance.checked_in(tx, person_id, ids) | {session_id}
            kept = leave_rules.covered_after_early_end(request.slots, now, attended)
            hours = leave_limit.total(s.hours for s in kept)
            given = await leave.end_early(tx, request.id, now, [s.id for s in kept], hours)
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor="bot",
                action="leave.end_early",
                class_id=class_id,
                subject=f"leave:{request.id}",
                details={
                    "session": session_id,
                    "hours_before": str(request.hours),
                    "hours_after": str(hours),
                    "given_back_sessions": given,
                },
            )
            await _tell(tx, request, request.hours - hours, now)
            changed.append(request.id)
        elif request.sessions and max(s.starts_at for s in request.sessions) < from_db(here[0]):
            await leave.mark_reported_back(tx, request.id, now)
            await audit.record(
                tx,
                at=now,
                actor="bot",
                action="leave.report_back",
                class_id=class_id,
                subject=f"leave:{request.id}",
                details={"by_checkin": session_id},
            )
            changed.append(request.id)
    return changed


async def _tell(tx: Tx, request: leave.LeaveRequest, given_back: Fraction, now: datetime) -> None:
    """Queue the trainee's notice that their leave ended early, in their language.

    storage/ never imports telegram, so the payload is written here by hand: plain HTML text.
    """
    who = await leave.recipient(tx, request.person_id)
    if who is None:
        return
    locale = _locale(who, await _settings(tx, request.class_id))
    text = _texts().render(locale, "leave.ended_early", given_back=leave_limit.show(given_back))
    await outbox.enqueue(
        tx,
        key=f"leave:{request.id}:ended_early",
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        payload={"text": text, "parse_mode": "HTML"},
        now=now,
    )


async def after_close(tx: Tx, *, session_id: int, now: datetime) -> list[int]:
    """At a session's close (its absences now final): warn, once per threshold, the trainees
    absent from it whom the class counts absences against; return the people warned.

    Only the absent trainees' totals changed at this close, so only they are looked at.
    """
    class_id = await leave.session_class(tx, session_id)
    if class_id is None:
        return []
    settings = await _settings(tx, class_id)
    if not settings.absence_counts_toward_limit:
        return []
    warned = []
    for person_id in await leave.absent_trainees(tx, session_id, now, settings):
        if await warn_limit(tx, class_id=class_id, person_id=person_id, now=now):
            warned.append(person_id)
    return warned


async def warn_limit(tx: Tx, *, class_id: int, person_id: int, now: datetime) -> list[int]:
    """Warn once per threshold (50%, 80%, 100%) the trainee's total is now past; return the
    thresholds warned about now.

    The audit log remembers each threshold warned about, so each goes out once, ever, even
    if the total later drops and rises again. Several thresholds passed at once give one
    notice naming the highest. The over-limit notice to the deciders carries the buttons
    that record their decision (handlers/leave_dismissal.py).
    """
    settings = await _settings(tx, class_id)
    tally = await leave.tally(tx, class_id, person_id, now, settings)
    new = sorted(set(tally.reached()) - await leave.warned_thresholds(tx, class_id, person_id))
    if not new:
        return []
    top = new[-1]
    name, unit = await leave.person_name(tx, person_id)
    klass = await leave.class_row(tx, class_id)
    figures = leave_limit.figures(tally)
    key = leave.limit_notice_key(class_id, person_id, top)
    texts = _texts()
    trainee = await leave.recipient(tx, person_id)
    if trainee is not None:
        text = texts.render(
            _locale(trainee, settings), "leave.limit_trainee", threshold=top, t=figures
        )
        await _send(tx, key, trainee, {"text": text, "parse_mode": "HTML"}, now)
    for who in await leave.holders(tx, class_id, _STAFF_ROLES[top]):
        if who.person_id == person_id:
            continue
        locale = _locale(who, settings)
        text = texts.render(
            locale,
            "leave.limit_staff",
            threshold=top,
            t=figures,
            name=name,
            unit=unit,
            class_name=klass.name if klass else "",
        )
        payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
        if top == 100:
            payload["reply_markup"] = _decision_keyboard(texts, locale, class_id, person_id)
        await _send(tx, f"{key}:staff:to:{who.person_id}", who, payload, now)
    for threshold in new:
        await audit.record(
            tx,
            at=now,
            actor="bot",
            action="leave.limit_warning",
            class_id=class_id,
            subject=f"person:{person_id}",
            details={
                "threshold": threshold,
                "used": str(tally.used),
                "limit": str(tally.limit),
            },
        )
    return new


def _decision_keyboard(texts: Texts, locale: Locale, class_id: int, person_id: int) -> Any:
    """The inline keyboard of the over-limit notice, as the Bot API's JSON."""
    return {
        "inline_keyboard": [
            [
                {
                    "text": texts.plain(locale, f"leave.limit_{decision}"),
                    "callback_data": pack(Action.LEAVE_LIMIT, class_id, person_id, decision),
                }
                for decision in LIMIT_DECISIONS
            ]
        ]
    }


async def _send(
    tx: Tx, key: str, who: leave.Recipient, payload: dict[str, Any], now: datetime
) -> None:
    await outbox.enqueue(
        tx,
        key=key,
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        payload=payload,
        now=now,
    )


async def _settings(tx: Tx, class_id: int) -> ClassSettings:
    klass = await leave.class_row(tx, class_id)
    return class_settings.from_json(klass.settings if klass else None)


def _locale(who: leave.Recipient, settings: ClassSettings) -> Locale:
    # The recipient's language, else the class's (which always has one).
    return parse_locale(who.locale) or settings.locale


@cache
def _texts() -> Texts:
    return Texts()
