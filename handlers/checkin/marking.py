"""The work of a hand marking inside one transaction: a class manager's mark from the roll
call, and any correction of a person's status (an approved 补卡 too), with its audit entry
(before, after, who, why) and the notice to the person. Nothing here talks to Telegram."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import permissions
from bot.context import BotData
from bot.outbox import message
from bot.permissions import Capability
from handlers.checkin.flows import Outcome
from handlers.checkin.views import hhmm, locale_of, status_at, window_of
from storage import attendance, audit, forms, outbox, people, updates
from storage.db import Tx
from storage.forms import FormKind
from storage.sessions import Session


async def mark(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    actor: str,
    manager_id: int,
    session: Session,
    person_id: int,
    status: str,
    now: datetime,
) -> tuple[Outcome, str]:
    """Write a class manager's hand marking, with its reason, to the record and the audit log.

    The marking waits in a form (kind ``checkin.mark``) for its status button; the form,
    the manager's role and the trainee's are checked here, as the marking is written, and
    the session must have begun its check-in (a past session may be corrected, a session
    still to come has nothing to correct). Returns the outcome and the marking's reason.
    """
    form = await forms.get(tx, manager_id, FormKind.ROLL_MARK)
    if (
        form is None
        or form.get("step") == "who"
        or (form["session_id"], form.get("person_id")) != (session.id, person_id)
        or session.cancelled
        or not await permissions.holds(tx, Capability.MARK_ATTENDANCE, session.class_id, manager_id)
        or not await permissions.holds(tx, Capability.CHECK_IN, session.class_id, person_id)
    ):
        return Outcome.STALE, ""
    reason = str(form["reason"])
    if window_of(session).checkin_opens > now:
        return Outcome.NOT_BEGUN, reason
    if not await updates.claim(tx, update_id, now):
        return Outcome.DUPLICATE, reason
    await correct(
        tx,
        data,
        actor=actor,
        actor_id=manager_id,
        session=session,
        person_id=person_id,
        status=status,
        reason=reason,
        action="attendance.override",
        key=f"checkin:mark:update:{update_id}",
        now=now,
    )
    await forms.drop(tx, manager_id, FormKind.ROLL_MARK)
    return Outcome.DONE, reason


async def correct(
    tx: Tx,
    data: BotData,
    *,
    actor: str,
    actor_id: int,
    session: Session,
    person_id: int,
    status: str,
    reason: str,
    action: str,
    key: str,
    now: datetime,
    notice: str = "roll.corrected",
) -> str:
    """Set a person's status in a session by hand; the audit log keeps before, after, who
    and why, and the person is told (``notice``: the text). Returns the status before.

    Whoever may do it was checked by the caller, in this transaction.
    """
    before = (await status_at(tx, session, person_id, now)).status.value
    record = await attendance.record_of(tx, session.id, person_id)
    await attendance.set_override(
        tx, session.id, person_id, status=status, reason=reason, by=actor_id, now=now
    )
    await audit.record(
        tx,
        at=now,
        actor=actor,
        actor_id=actor_id,
        action=action,
        class_id=session.class_id,
        subject=f"attendance:session:{session.id}:person:{person_id}",
        details={
            "before": before,
            "after": status,
            "status": status,
            "reason": reason,
            "previous": record.override_status if record else None,
        },
    )
    who = await people.recipient(tx, person_id)
    by = await people.by_id(tx, actor_id)
    if who is not None and who.telegram_user_id is not None:
        local = session.starts_at.astimezone(ZoneInfo(session.timezone))
        text = data.texts.render(
            locale_of(who, session, data.config.locale),
            notice,
            title=session.title,
            class_name=session.class_name,
            day=local.date(),
            start=hhmm(session.starts_at, session),
            before=before,
            after=status,
            reason=reason,
            by=by.name if by else None,
        )
        await outbox.enqueue(
            tx,
            key=f"{key}:tell:{person_id}",
            chat_id=who.telegram_user_id,
            person_id=person_id,
            payload=message(text),
            now=now,
        )
    return before
