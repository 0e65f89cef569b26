"""What the check-in handlers share: a session's rules, local times, the recording step."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.callbacks import Action, Callback, pack, unpack
from bot.config import Config
from bot.context import Context
from bot.rules import class_settings
from bot.rules.attendance import (
    CheckinVerdict,
    Windows,
    checkin_verdict,
    minutes_late,
    rules_of,
    windows,
)
from bot.rules.class_settings import ClassSettings
from bot.rules.locales import Locale, parse_locale
from bot.rules.roles import Role
from handlers.checkin import sessions
from handlers.common import answer, viewer_of
from handlers.leave import limit as leave_limit_effects
from storage import attendance
from storage.attendance import PROOF_FORM, SessionRow
from storage.db import Tx


@lru_cache(maxsize=1024)
def settings_of(text: str) -> ClassSettings:
    """A class's settings from its JSON (cached: the same text gives the same settings)."""
    return class_settings.from_json(text)


def window_of(session: SessionRow) -> Windows:
    """A session's windows under its class's rules."""
    return _windows(session.starts_at, session.ends_at, session.settings)


@lru_cache(maxsize=4096)
def _windows(starts_at: datetime, ends_at: datetime, settings: str) -> Windows:
    # Asked several times per check-in (20 µs each): a pure function of these three.
    return windows(starts_at, ends_at, rules_of(settings_of(settings)))


def proofs_needed(session: SessionRow) -> frozenset[str]:
    """What a check-in to this session must prove: a subset of {"code", "location"}."""
    mode = settings_of(session.settings).checkin_mode
    return frozenset(part for part in mode.split("+") if part != "none")


def hhmm(moment: datetime, session: SessionRow) -> str:
    """A moment as the class's local clock shows it: digits only (HH:MM), never wording."""
    return moment.astimezone(ZoneInfo(session.timezone)).strftime("%H:%M")


def locale_of(person_locale: str | None, session: SessionRow, config: Config) -> Locale:
    """The language to write to someone in on the bot's own initiative."""
    return (
        parse_locale(person_locale)
        or parse_locale(settings_of(session.settings).locale)
        or config.locale
    )


def open_for_checkin(sessions: list[SessionRow], now: datetime) -> list[SessionRow]:
    """The sessions whose check-in window is open now."""
    return [
        s
        for s in sessions
        if checkin_verdict(now, window_of(s)) in (CheckinVerdict.ON_TIME, CheckinVerdict.LATE)
    ]


def choice_keyboard(
    context: Context, action: Action, sessions: list[SessionRow]
) -> InlineKeyboardMarkup:
    """One button per session, for someone with two classes in session at once."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.label(
                        "checkin.session_choice",
                        title=s.title,
                        class_name=s.class_name,
                        time=hhmm(s.starts_at, s),
                    ),
                    callback_data=pack(action, s.id),
                )
            ]
            for s in sessions
        ]
    )


async def record_and_reply(
    update: Update,
    context: Context,
    person_id: int,
    session: SessionRow,
    method: str,
    *,
    retried: bool = False,
) -> None:
    """Record a proven check-in (once, whatever redelivery) and tell the trainee what it was."""
    now = context.bot_data.clock.now()
    w = window_of(session)
    message = update.effective_message
    verdict = checkin_verdict(now, w)
    if verdict is CheckinVerdict.CLOSED:
        await message.reply_text(context.t("checkin.closed", title=session.title))
        return
    if verdict is CheckinVerdict.TOO_EARLY:
        await message.reply_text(
            context.t(
                "checkin.too_early", title=session.title, opens=hhmm(w.checkin_opens, session)
            )
        )
        return
    proven = method != "none"

    # No processed_updates claim here: the conditional INSERT is what makes a redelivered
    # update record nothing twice, and skipping the claim saves a statement per check-in.
    async def op(tx: Tx) -> tuple[bool, attendance.AttendanceRow | None]:
        row = await attendance.record_checkin(tx, session, person_id, now, method)
        if row is None:
            return False, await attendance.record_of(tx, session.id, person_id)
        await leave_limit_effects.after_checkin(
            tx,
            context.bot_data,
            class_id=session.class_id,
            person_id=person_id,
            session_id=session.id,
            now=now,
        )
        if proven:
            await attendance.drop_form(tx, person_id, PROOF_FORM)
        return True, row

    recorded, row = await context.db.write(op)
    unlocked = row is None or (row.checkin_at is None and row.locked_at is None)
    if unlocked and not retried:
        # Nothing written and nothing that explains it: our copy of the session was stale.
        sessions.forget(context.db, session.class_id)
        fresh = await attendance.session_by_id(context.db, session.id)
        if fresh is not None and not fresh.cancelled:
            await record_and_reply(update, context, person_id, fresh, method, retried=True)
            return
    remove = ReplyKeyboardRemove() if "location" in method else None
    if row is None or row.checkin_at is None:
        name = "checkin.locked" if row is not None and row.locked_at else "checkin.closed"
        await message.reply_text(context.t(name, title=session.title), reply_markup=remove)
        return
    values = {
        "title": session.title,
        "class_name": session.class_name,
        "time": hhmm(row.checkin_at, session),
        "late": minutes_late(row.checkin_at, w),
    }
    name = "checkin.recorded" if recorded else "checkin.already"
    await message.reply_text(context.t(name, **values), reply_markup=remove)


async def pressed_session(
    update: Update, context: Context
) -> tuple[Callback, SessionRow, int] | None:
    """A check-in or check-out button press: (its data, the session, the trainee's person id).

    Checked at the press against the database: forged data, a session that no longer
    exists, or a presser who is not (or no longer) a trainee of its class is answered as a
    stale button, and None is returned. A valid press is answered (the spinner stops).
    """
    query = update.callback_query
    decoded = unpack(query.data)
    viewer = viewer_of(context)
    if decoded is None or viewer.person is None:
        await answer(query, context.label("buttons.stale"))
        return None
    session = await attendance.session_by_id(context.db, int(decoded.args[0]))
    allowed = session is not None and await attendance.has_role(
        context.db, session.class_id, viewer.person.id, (Role.TRAINEE,)
    )
    if session is None or not allowed:
        await answer(query, context.label("buttons.stale"))
        return None
    await answer(query)
    return decoded, session, viewer.person.id
