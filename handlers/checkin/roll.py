"""/roll: the live roll call of the current (or last) session for class managers and monitors.

``/roll`` shows counts and names by status, with a refresh button that updates the message in
place. ``/roll <name or phone> <reason>`` lets a class manager mark a trainee by hand: the
bot keeps the pending mark (forms, kind ``checkin.mark``) and asks for the status with
buttons; the mark is written with the reason and to the audit log. Monitors only view.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, Update

from bot import permissions
from bot.buttons import RollMark, RollRefresh, keyboard, one_button
from bot.context import Context
from bot.permissions import Capability
from bot.rules.attendance import MANUAL_STATUSES, is_closed
from bot.texts import MESSAGE_LIMIT, utf16_len
from handlers.checkin import flows
from handlers.checkin.flows import Outcome
from handlers.checkin.views import MAX_NAMES, hhmm, roll_of, summary_values, window_of
from handlers.common import StalePress, answer, edit_or_send, viewer_of
from storage import classes, forms, people, sessions
from storage.classes import Membership
from storage.db import Queryable
from storage.forms import FormKind
from storage.sessions import Session


async def current_session(db: Queryable, class_id: int, now: datetime) -> Session | None:
    """The session whose check-in opened last (the one running, or the last one)."""
    found = await sessions.of_class_until(db, class_id, now + timedelta(days=1))
    opened = [s for s in found if window_of(s).checkin_opens <= now]
    return opened[-1] if opened else None


# Names per status tried in turn until the roll fits one message: it is edited in place.
_NAMES_TRIED = (MAX_NAMES, 30, 15, 5, 0)


async def _render(context: Context, session: Session) -> tuple[str, InlineKeyboardMarkup]:
    now = context.bot_data.clock.now()
    roll = await roll_of(context.db, session, now)
    for most in _NAMES_TRIED:
        text = context.t(
            "roll.roll",
            **summary_values(session, roll, most),
            closed=is_closed(now, window_of(session)),
            now=hhmm(now, session),
        )
        if utf16_len(text) <= MESSAGE_LIMIT:
            break
    return text, one_button(context.label("roll.refresh"), RollRefresh(session.id))


async def roll_command(update: Update, context: Context) -> None:
    """Show the roll of each class the viewer manages or monitors; or mark someone."""
    viewer = viewer_of(context)
    message = update.effective_message
    staff_of = viewer.classes_where(Capability.SEE_ROLL)
    if context.args:
        await _ask_mark(update, context, viewer.person.id, staff_of)
        return
    now = context.bot_data.clock.now()
    for membership in staff_of:
        session = await current_session(context.db, membership.klass.id, now)
        if session is None:
            await message.reply_text(context.t("roll.no_session", class_name=membership.klass.name))
            continue
        text, markup = await _render(context, session)
        await message.reply_text(text, reply_markup=markup)


async def pressed_refresh(update: Update, context: Context, button: RollRefresh) -> None:
    """Update the roll message in place."""
    query = update.callback_query
    session = await sessions.by_id(context.db, button.session_id)
    if session is None or not await permissions.holds(
        context.db, Capability.SEE_ROLL, session.class_id, viewer_of(context).person.id
    ):
        raise StalePress
    text, markup = await _render(context, session)
    await answer(query)
    await edit_or_send(query, text, reply_markup=markup)


async def _ask_mark(
    update: Update, context: Context, person_id: int, staff_of: list[Membership]
) -> None:
    message = update.effective_message
    managed = [m for m in staff_of if permissions.may(m.roles, Capability.MARK_ATTENDANCE)]
    if not managed:
        await message.reply_text(context.t("roll.read_only"))
        return
    if len(context.args) < 2:
        await message.reply_text(context.t("roll.mark_usage"))
        return
    who, reason = context.args[0], " ".join(context.args[1:])
    digits = "".join(ch for ch in who if ch.isdigit())
    trainees = permissions.roles_for(Capability.CHECK_IN)
    matches = []
    for membership in managed:
        for member in await classes.members(context.db, membership.klass.id, trainees):
            if member.name == who or (
                digits and member.phone.endswith(digits) and len(digits) >= 4
            ):
                matches.append((membership.klass, member))
    if not matches:
        await message.reply_text(context.t("roll.no_such_person", who=who))
        return
    if len(matches) > 1:
        await message.reply_text(context.t("roll.ambiguous", who=who))
        return
    klass, member = matches[0]
    now = context.bot_data.clock.now()
    session = await current_session(context.db, klass.id, now)
    if session is None:
        await message.reply_text(context.t("roll.no_session", class_name=klass.name))
        return
    form = {"session_id": session.id, "person_id": member.person_id, "reason": reason}
    await context.db.write(lambda tx: forms.save(tx, person_id, FormKind.ROLL_MARK, form, now))
    choices = [
        (context.label("roll.status", status=s.value), RollMark(session.id, member.person_id, s))
        for s in MANUAL_STATUSES
    ]
    await message.reply_text(
        context.t("roll.mark_choose", name=member.name, title=session.title, reason=reason),
        reply_markup=keyboard([choices]),
    )


async def pressed_mark(update: Update, context: Context, button: RollMark) -> None:
    """Write a hand marking chosen with a button: checked again inside the write."""
    query = update.callback_query
    viewer = viewer_of(context)
    session = await sessions.by_id(context.db, button.session_id)
    if session is None or button.status not in MANUAL_STATUSES:
        raise StalePress
    outcome, reason = await context.db.write(
        lambda tx: flows.mark(
            tx,
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
