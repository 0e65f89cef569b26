"""Correcting the record by hand: a class manager sets someone's status in a session.

``/roll NAME REASON`` marks in the session running now; ✏️ on the roll call of any session
whose check-in has opened (past ones included: Moodle's "edit any session") asks the manager
to type who and why. The mark waits in a form (kind ``checkin.mark``): first for who and why
(step ``who``), then for its status button. It is written with the audit log's before,
after, who and why, and the person is told (handlers/checkin/marking.py ``correct``).
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot import permissions
from bot.buttons import RollEdit, RollMark, keyboard
from bot.context import Context
from bot.permissions import Capability
from bot.rules import leave as leave_rules
from bot.rules.attendance import MANUAL_STATUSES
from bot.rules.names import named
from handlers import inputs
from handlers.checkin import marking
from handlers.checkin.flows import Outcome
from handlers.checkin.views import current_session, window_of
from handlers.common import StalePress, answer, viewer_of
from storage import classes, forms, people, sessions, updates
from storage.classes import ClassRow, Membership
from storage.forms import Form, FormKind
from storage.people import Recipient
from storage.sessions import Session

_TRAINEES = permissions.roles_for(Capability.CHECK_IN)


async def _find(
    update: Update, context: Context, found_in: list[ClassRow], text: str
) -> tuple[ClassRow, Recipient, str] | None:
    """The one trainee the text names in these classes, and the reason; None (answered) if
    nobody, several, or no reason."""
    message = update.effective_message
    matches = []
    for klass in found_in:
        for member in await classes.members(context.db, klass.id, _TRAINEES):
            reason = named(member.name, member.phone, text)
            if reason is not None:
                matches.append((klass, member, reason))
    who = text.split(maxsplit=1)[0] if text.split() else text
    if not matches:
        await message.reply_text(context.t("roll.no_such_person", who=who))
        return None
    if len(matches) > 1:
        await message.reply_text(context.t("roll.ambiguous", who=who))
        return None
    if not matches[0][2]:
        await message.reply_text(context.t("roll.reason_empty"))
        return None
    return matches[0]


async def ask_mark(
    update: Update, context: Context, person_id: int, staff_of: list[Membership]
) -> None:
    """/roll NAME REASON: mark someone in the session running now in their class."""
    message = update.effective_message
    managed = [m for m in staff_of if permissions.may(m.roles, Capability.MARK_ATTENDANCE)]
    if not managed:
        await message.reply_text(context.t("roll.read_only"))
        return
    if len(context.args) < 2:
        await message.reply_text(context.t("roll.mark_usage"))
        return
    found = await _find(update, context, [m.klass for m in managed], " ".join(context.args))
    if found is None:
        return
    klass, member, reason = found
    now = context.bot_data.clock.now()
    session = await current_session(context.db, klass.id, now)
    if session is None:
        await message.reply_text(context.t("roll.no_session", class_name=klass.name))
        return
    await _choose_status(update, context, person_id, session, member, reason)


async def _choose_status(
    update: Update,
    context: Context,
    manager_id: int,
    session: Session,
    member: Recipient,
    reason: str,
) -> None:
    form = {"session_id": session.id, "person_id": member.person_id, "reason": reason}
    if not await _save(update, context, manager_id, {**form, "step": "status"}):
        await update.effective_message.reply_text(context.t("roll.duplicate"))
        return
    choices = [
        (context.label("roll.status", status=s.value), RollMark(session.id, member.person_id, s))
        for s in MANUAL_STATUSES
    ]
    await update.effective_message.reply_text(
        context.t("roll.mark_choose", name=member.name, title=session.title, reason=reason),
        reply_markup=keyboard([choices]),
    )


async def _save(update: Update, context: Context, manager_id: int, form: dict[str, Any]) -> bool:
    """Keep the mark being made, once per update; False if this update was handled before."""
    now = context.bot_data.clock.now()

    async def op(tx: Any) -> bool:
        if not await updates.claim(tx, update.update_id, now):
            return False
        await forms.save(tx, manager_id, FormKind.ROLL_MARK, form, now)
        return True

    return await context.db.write(op)


async def pressed_edit(update: Update, context: Context, button: RollEdit) -> None:
    """✏️ on a roll call: correct someone in this session; who and why are typed next."""
    query = update.callback_query
    manager_id = viewer_of(context).person.id
    session = await sessions.by_id(context.db, button.session_id)
    if (
        session is None
        or session.cancelled
        or not await permissions.holds(
            context.db, Capability.MARK_ATTENDANCE, session.class_id, manager_id
        )
    ):
        raise StalePress
    if window_of(session).checkin_opens > context.bot_data.clock.now():
        await answer(query, context.label("roll.not_begun_alert", title=session.title))
        return
    if not await _save(update, context, manager_id, {"session_id": session.id, "step": "who"}):
        await answer(query, context.label("roll.duplicate_alert", title=session.title))
        return
    await answer(query)
    await query.message.reply_text(context.t("roll.ask_who", title=session.title))


async def typed(update: Update, context: Context, found: list[Form]) -> bool:
    """Who and why, typed after ✏️: find the trainee, then ask for the status."""
    form, message = found[0], update.effective_message
    now = context.bot_data.clock.now()
    if message.text is None or form.updated_at < now - leave_rules.FORM_WAITS:
        return False
    if await updates.was_processed(context.db, update.update_id):
        # Who and why delivered again, after the form moved on to its status: no news.
        await message.reply_text(context.t("roll.duplicate"))
        return True
    manager_id = viewer_of(context).person.id
    if form.data.get("step") != "who" or await inputs.superseded(context, form):
        return False
    session = await sessions.by_id(context.db, int(form.data["session_id"]))
    klass = await classes.by_id(context.db, session.class_id) if session else None
    if session is None or klass is None or session.cancelled:
        return False
    named = await _find(update, context, [klass], message.text.strip())
    if named is not None:
        await _choose_status(update, context, manager_id, session, named[1], named[2])
    return True


async def pressed_mark(update: Update, context: Context, button: RollMark) -> None:
    """Write a hand marking chosen with a button: checked again inside the write."""
    query = update.callback_query
    viewer = viewer_of(context)
    session = await sessions.by_id(context.db, button.session_id)
    if session is None or button.status not in MANUAL_STATUSES:
        raise StalePress
    outcome, reason = await context.db.write(
        lambda tx: marking.mark(
            tx,
            context.bot_data,
            update_id=update.update_id,
            actor=viewer.actor,
            manager_id=viewer.person.id,
            session=session,
            person_id=button.person_id,
            status=button.status.value,
            now=context.bot_data.clock.now(),
        )
    )
    if outcome is Outcome.STALE:
        raise StalePress
    if outcome is not Outcome.DONE:
        await answer(query, context.label(f"roll.{outcome.value}_alert", title=session.title))
        return
    await answer(query)
    person = await people.by_id(context.db, button.person_id)
    await query.edit_message_text(
        context.t(
            "roll.marked",
            name=person.name if person else None,  # None: the template names no one
            title=session.title,
            status=button.status.value,
            reason=reason,
        )
    )
