"""/checkin and the reminder's check-in button; proofs (a typed code, a shared location)."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot.callbacks import Action
from bot.context import Context
from bot.rules import checkin_code, geo
from bot.rules.attendance import CheckinVerdict, checkin_verdict
from bot.rules.roles import Role
from handlers import fallback
from handlers.checkin import notices, sessions
from handlers.checkin.common import (
    choice_keyboard,
    hhmm,
    open_for_checkin,
    pressed_session,
    proofs_needed,
    record_and_reply,
    settings_of,
    window_of,
)
from handlers.common import viewer_of
from storage import attendance, updates
from storage.attendance import PROOF_FORM, SessionRow
from storage.db import Tx


async def _trainee_sessions(
    update: Update, context: Context
) -> tuple[int, list[SessionRow]] | None:
    """The speaker's person id and sessions near now as a trainee; None (answered) if none."""
    viewer = viewer_of(context)
    message = update.effective_message
    if viewer.person is None:
        await message.reply_text(context.t("start.how_to_bind"))
        return None
    if not any(Role.TRAINEE in m.roles for m in viewer.memberships):
        await message.reply_text(context.t("checkin.not_trainee"))
        return None
    now = context.bot_data.clock.now()
    class_ids = [m.klass.id for m in viewer.memberships if Role.TRAINEE in m.roles]
    found = await sessions.of_classes(context.db, class_ids, now)
    if not open_for_checkin(found, now):
        found = await sessions.of_classes(context.db, class_ids, now, fresh=True)
    return viewer.person.id, found


async def checkin_command(update: Update, context: Context) -> None:
    """/checkin [code]: check in to the session open now, asking which if there are two."""
    found = await _trainee_sessions(update, context)
    if found is None:
        return
    person_id, sessions = found
    now = context.bot_data.clock.now()
    candidates = open_for_checkin(sessions, now)
    message = update.effective_message
    if not candidates:
        soon = [
            s for s in sessions if checkin_verdict(now, window_of(s)) is CheckinVerdict.TOO_EARLY
        ]
        if soon:
            s = soon[0]
            opens = hhmm(window_of(s).checkin_opens, s)
            await message.reply_text(context.t("checkin.too_early", title=s.title, opens=opens))
        else:
            await message.reply_text(context.t("checkin.no_session"))
        return
    if context.args:
        await _code_typed(update, context, person_id, candidates, " ".join(context.args))
        return
    if len(candidates) > 1:
        keyboard = choice_keyboard(context, Action.CHECKIN, candidates)
        await message.reply_text(context.t("checkin.choose"), reply_markup=keyboard)
        return
    await _start(update, context, person_id, candidates[0])


async def checkin_button(update: Update, context: Context) -> None:
    """The check-in button of a reminder (or of the which-session question)."""
    pressed = await pressed_session(update, context)
    if pressed is None:
        return
    _, session, person_id = pressed
    now = context.bot_data.clock.now()
    if session.cancelled or now >= session.ends_at:
        await update.effective_message.reply_text(
            context.t("checkin.session_over", title=session.title)
        )
        return
    await _start(update, context, person_id, session)


async def _start(update: Update, context: Context, person_id: int, session: SessionRow) -> None:
    """Check in at once, or ask for the proofs the class wants."""
    needed = proofs_needed(session)
    if not needed:
        await record_and_reply(update, context, person_id, session, "none")
        return
    record = await attendance.record_of(context.db, session.id, person_id)
    message = update.effective_message
    if record is not None and record.checkin_at is not None:
        await record_and_reply(update, context, person_id, session, "+".join(sorted(needed)))
        return
    if record is not None and record.locked_at is not None:
        await message.reply_text(context.t("checkin.locked", title=session.title))
        return
    form = await attendance.load_form(context.db, person_id, PROOF_FORM)
    proofs = form["proofs"] if form and form.get("session_id") == session.id else []
    now = context.bot_data.clock.now()

    async def save(tx: Tx) -> None:
        await attendance.save_form(
            tx, person_id, PROOF_FORM, {"session_id": session.id, "proofs": proofs}, now
        )

    await context.db.write(save)
    await _ask_next(update, context, session, needed - set(proofs))


async def _ask_next(
    update: Update, context: Context, session: SessionRow, missing: set[str] | frozenset[str]
) -> None:
    message = update.effective_message
    if "code" in missing:
        await message.reply_text(context.t("checkin.ask_code", title=session.title))
        return
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(context.label("checkin.share_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await message.reply_text(
        context.t("checkin.ask_location", title=session.title), reply_markup=keyboard
    )


async def _proven(
    update: Update, context: Context, person_id: int, session: SessionRow, proof: str
) -> None:
    """One proof given: check in if it was the last one needed, else ask for the next."""
    needed = proofs_needed(session)
    form = await attendance.load_form(context.db, person_id, PROOF_FORM)
    proofs = set(form["proofs"]) if form and form.get("session_id") == session.id else set()
    proofs.add(proof)
    if needed <= proofs:
        await record_and_reply(update, context, person_id, session, "+".join(sorted(needed)))
        return
    now = context.bot_data.clock.now()

    async def save(tx: Tx) -> None:
        data = {"session_id": session.id, "proofs": sorted(proofs)}
        await attendance.save_form(tx, person_id, PROOF_FORM, data, now)

    await context.db.write(save)
    await _ask_next(update, context, session, needed - proofs)


async def code_text(update: Update, context: Context) -> None:
    """Digits typed: a check-in code if six, or a malformed one while a code is awaited.

    Six digits (after folding full-width digits and dropping spaces) are always taken as a
    code. Four to eight digits otherwise mean a code only while the trainee's check-in waits
    for one (a proof form for a session open now that still needs its code): they get "a
    code has 6 digits" and count as no wrong attempt, since no code could match them. Any
    other time such digits are not ours, and get the fallback's answer.
    """
    viewer = viewer_of(context)
    typed = update.effective_message.text or ""
    if checkin_code.normalise(typed) is None and (
        viewer.person is None or not await _awaiting_code(context, viewer.person.id)
    ):
        await fallback.unknown_message(update, context)
        return
    found = await _trainee_sessions(update, context)
    if found is None:
        return
    person_id, sessions = found
    now = context.bot_data.clock.now()
    candidates = [s for s in open_for_checkin(sessions, now) if "code" in proofs_needed(s)]
    await _code_typed(update, context, person_id, candidates, typed)


async def _awaiting_code(context: Context, person_id: int) -> bool:
    """Whether the person's check-in waits for a code: /checkin asked and none given yet."""
    form = await attendance.load_form(context.db, person_id, PROOF_FORM)
    if form is None or "code" in form.get("proofs", []):
        return False
    session = await attendance.session_by_id(context.db, int(form["session_id"]))
    now = context.bot_data.clock.now()
    return (
        session is not None
        and not session.cancelled
        and "code" in proofs_needed(session)
        and bool(open_for_checkin([session], now))
    )


async def _code_typed(
    update: Update, context: Context, person_id: int, candidates: list[SessionRow], typed: str
) -> None:
    message = update.effective_message
    now = context.bot_data.clock.now()
    candidates = [s for s in candidates if "code" in proofs_needed(s)]
    if not candidates:
        await message.reply_text(context.t("checkin.no_code_session"))
        return
    if checkin_code.normalise(typed) is None:
        # Not six digits: no code can match it, so it is not counted as a wrong one.
        await message.reply_text(context.t("checkin.malformed_code"))
        return
    for session in candidates:
        if checkin_code.verify(session.secret, typed, now):
            record = await attendance.record_of(context.db, session.id, person_id)
            if record is not None and record.locked_at is not None and record.checkin_at is None:
                await message.reply_text(context.t("checkin.locked", title=session.title))
                return
            await _proven(update, context, person_id, session, "code")
            return
    await _wrong_code(update, context, person_id, candidates)


async def _wrong_code(
    update: Update, context: Context, person_id: int, candidates: list[SessionRow]
) -> None:
    """Count a wrong code against every session it could have been meant for.

    That is the session the trainee chose (their proof form), else every open code session
    they have not checked in to and are not locked out of: with two classes in session and
    no choice made, each counts the failure, so guessing is never unlimited.
    """
    message = update.effective_message
    now = context.bot_data.clock.now()
    form = await attendance.load_form(context.db, person_id, PROOF_FORM)
    chosen = [s for s in candidates if form and form.get("session_id") == s.id]
    pool = chosen or candidates
    records = {s.id: await attendance.record_of(context.db, s.id, person_id) for s in pool}
    targets = [
        s
        for s in pool
        if (r := records[s.id]) is None or (r.checkin_at is None and r.locked_at is None)
    ]
    if not targets:
        done = [s for s in pool if (r := records[s.id]) is not None and r.checkin_at is not None]
        if done:
            await record_and_reply(update, context, person_id, done[0], "code")
        else:
            await message.reply_text(context.t("checkin.locked", title=pool[0].title))
        return
    update_id = update.update_id
    data = context.bot_data

    async def op(tx: Tx) -> tuple[list[tuple[SessionRow, int]], bool]:
        counted = await updates.claim(tx, update_id, now)
        failures = []
        any_locked = False
        for session in targets:
            if not counted:  # the same update again: report, count nothing
                row = await attendance.record_of(tx, session.id, person_id)
                failures.append((session, row.code_failures if row else 0))
                continue
            count, locked = await attendance.record_code_failure(tx, session.id, person_id, now)
            if locked:
                await notices.lockout(tx, data, session, person_id, count, now)
                any_locked = True
            failures.append((session, count))
        return failures, any_locked

    failures, any_locked = await context.db.write(op)
    if any_locked:
        data.outbox.wake()
    open_left = [
        attendance.MAX_CODE_FAILURES - count
        for _, count in failures
        if count < attendance.MAX_CODE_FAILURES
    ]
    for session, count in failures:
        if count >= attendance.MAX_CODE_FAILURES:
            await message.reply_text(context.t("checkin.locked", title=session.title))
    if open_left:
        await message.reply_text(context.t("checkin.wrong_code", left=min(open_left)))


async def location_shared(update: Update, context: Context) -> None:
    """A location: proof of presence at the venue, never a forwarded one."""
    message = update.effective_message
    if message.forward_origin is not None:
        await message.reply_text(context.t("checkin.forwarded"))
        return
    found = await _trainee_sessions(update, context)
    if found is None:
        return
    person_id, sessions = found
    now = context.bot_data.clock.now()
    candidates = [s for s in open_for_checkin(sessions, now) if "location" in proofs_needed(s)]
    if not candidates:
        await message.reply_text(context.t("checkin.no_location_session"))
        return
    form = await attendance.load_form(context.db, person_id, PROOF_FORM)
    chosen = [s for s in candidates if form and form.get("session_id") == s.id]
    candidates = chosen or candidates
    point = message.location
    best: tuple[float, SessionRow] | None = None
    for session in candidates:
        settings = settings_of(session.settings)
        if settings.venue_lat is None or settings.venue_lon is None:
            continue
        distance = geo.distance_m(
            point.latitude, point.longitude, settings.venue_lat, settings.venue_lon
        )
        if distance <= settings.venue_radius_m:
            await _proven(update, context, person_id, session, "location")
            return
        if best is None or distance < best[0]:
            best = (distance, session)
    radius = settings_of(best[1].settings).venue_radius_m if best else 0
    await message.reply_text(
        context.t("checkin.outside", distance=round(best[0]) if best else 0, radius=radius)
    )
