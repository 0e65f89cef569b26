"""/roll: the live roll call of the current (or last) session for class managers and monitors.

``/roll`` shows counts and names by status, with a refresh button that updates the message in
place. ``/roll <name or phone> <reason>`` lets a class manager mark a trainee by hand: the
bot keeps the pending mark (forms, kind ``checkin.mark``) and asks for the status with
buttons; the mark is written with the reason and to the audit log. Monitors only view.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import Action, pack, unpack
from bot.context import Context
from bot.rules.attendance import MANUAL_STATUSES, Status, is_closed
from bot.rules.roles import Role
from handlers.checkin.common import hhmm, window_of
from handlers.checkin.notices import roll_of, summary_values
from handlers.common import PRIVATE, answer, viewer_of
from storage import attendance, audit, people, updates
from storage.attendance import MARK_FORM, SessionRow
from storage.classes import Membership
from storage.db import Queryable, Tx

_VIEW = (Role.MANAGER, Role.MONITOR)


async def current_session(db: Queryable, class_id: int, now: datetime) -> SessionRow | None:
    """The session whose check-in opened last (the one running, or the last one)."""
    sessions = await attendance.class_sessions_until(db, class_id, now + timedelta(days=1))
    opened = [s for s in sessions if window_of(s).checkin_opens <= now]
    return opened[-1] if opened else None


async def _render(context: Context, session: SessionRow) -> tuple[str, InlineKeyboardMarkup]:
    now = context.bot_data.clock.now()
    values = summary_values(session, await roll_of(context.db, session, now))
    text = context.t(
        "roll.roll",
        **values,
        closed=is_closed(now, window_of(session)),
        now=hhmm(now, session),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.label("roll.refresh"),
                    callback_data=pack(Action.ROLL_REFRESH, session.id),
                )
            ]
        ]
    )
    return text, keyboard


async def roll_command(update: Update, context: Context) -> None:
    """Show the roll of each class the viewer manages or monitors; or mark someone."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return
    staff_of = [m for m in viewer.memberships if m.roles & set(_VIEW)]
    if not staff_of:
        await message.reply_text(context.t("roll.not_allowed"))
        return
    if context.args:
        await _ask_mark(update, context, viewer.person.id, staff_of)
        return
    now = context.bot_data.clock.now()
    for membership in staff_of:
        session = await current_session(context.db, membership.klass.id, now)
        if session is None:
            await message.reply_text(context.t("roll.no_session", class_name=membership.klass.name))
            continue
        text, keyboard = await _render(context, session)
        await message.reply_text(text, reply_markup=keyboard)


async def refresh_pressed(update: Update, context: Context) -> None:
    """Update the roll message in place."""
    query = update.callback_query
    viewer = viewer_of(context)
    decoded = unpack(query.data)
    session = await attendance.session_by_id(context.db, int(decoded.args[0])) if decoded else None
    if (
        session is None
        or viewer.person is None
        or not await attendance.has_role(context.db, session.class_id, viewer.person.id, _VIEW)
    ):
        await answer(query, context.label("buttons.stale"))
        return
    text, keyboard = await _render(context, session)
    await answer(query)
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def _ask_mark(
    update: Update, context: Context, person_id: int, staff_of: list[Membership]
) -> None:
    message = update.effective_message
    managed = [m for m in staff_of if Role.MANAGER in m.roles]
    if not managed:
        await message.reply_text(context.t("roll.read_only"))
        return
    if len(context.args) < 2:
        await message.reply_text(context.t("roll.mark_usage"))
        return
    who, reason = context.args[0], " ".join(context.args[1:])
    digits = "".join(ch for ch in who if ch.isdigit())
    matches = []
    for membership in managed:
        for member in await attendance.members(context.db, membership.klass.id, Role.TRAINEE):
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

    async def save(tx: Tx) -> None:
        await attendance.save_form(tx, person_id, MARK_FORM, form, now)

    await context.db.write(save)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.label("roll.status", status=s.value),
                    callback_data=pack(Action.ROLL_MARK, session.id, member.person_id, s.value),
                )
                for s in MANUAL_STATUSES
            ]
        ]
    )
    await message.reply_text(
        context.t("roll.mark_choose", name=member.name, title=session.title, reason=reason),
        reply_markup=keyboard,
    )


async def mark_pressed(update: Update, context: Context) -> None:
    """Write a hand marking chosen with a button: checked again against the database."""
    query = update.callback_query
    viewer = viewer_of(context)
    decoded = unpack(query.data)
    if decoded is None or viewer.person is None or decoded.args[2] not in set(MANUAL_STATUSES):
        await answer(query, context.label("buttons.stale"))
        return
    session_id, person_id, status = int(decoded.args[0]), int(decoded.args[1]), str(decoded.args[2])
    session = await attendance.session_by_id(context.db, session_id)
    manager_id = viewer.person.id
    form = await attendance.load_form(context.db, manager_id, MARK_FORM)
    if (
        session is None
        or form is None
        or (form["session_id"], form["person_id"]) != (session_id, person_id)
        or not await attendance.has_role(context.db, session.class_id, manager_id, (Role.MANAGER,))
        or not await attendance.has_role(context.db, session.class_id, person_id, (Role.TRAINEE,))
    ):
        await answer(query, context.label("buttons.stale"))
        return
    reason = str(form["reason"])
    now = context.bot_data.clock.now()
    update_id = update.update_id
    actor = f"telegram:{viewer.user_id}"

    async def op(tx: Tx) -> None:
        if not await updates.claim(tx, update_id, now):
            return
        before = await attendance.record_of(tx, session_id, person_id)
        await attendance.set_override(
            tx, session_id, person_id, status=status, reason=reason, by=manager_id, now=now
        )
        await audit.record(
            tx,
            at=now,
            actor=actor,
            actor_id=manager_id,
            action="attendance.override",
            class_id=session.class_id,
            subject=f"attendance:session:{session_id}:person:{person_id}",
            details={
                "status": status,
                "reason": reason,
                "previous": before.override_status if before else None,
            },
        )
        await attendance.drop_form(tx, manager_id, MARK_FORM)

    await context.db.write(op)
    await answer(query)
    person = await people.by_id(context.db, person_id)
    await query.edit_message_text(
        context.t(
            "roll.marked",
            name=person.name if person else None,  # None: the template names no one
            title=session.title,
            status=Status(status).value,
            reason=reason,
        )
    )


def _action_is(action: Action):
    def matches(data: object) -> bool:
        decoded = unpack(data) if isinstance(data, str) else None
        return decoded is not None and decoded.action is action

    return matches


def register(app: Application) -> None:
    """Add /roll and its buttons."""
    app.add_handler(CommandHandler("roll", roll_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(refresh_pressed, pattern=_action_is(Action.ROLL_REFRESH)))
    app.add_handler(CallbackQueryHandler(mark_pressed, pattern=_action_is(Action.ROLL_MARK)))
