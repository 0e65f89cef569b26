"""What a check-in must prove, per class: a code shown in the room, a location at the venue.

The proofs given so far wait in a form (kind ``checkin.proof``) with the session chosen, so
a trainee proving both sends the code and the location in any order, across a restart.
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot.context import Context
from bot.rules import checkin_code, geo
from handlers import fallback
from handlers.checkin import flows
from handlers.checkin.record import record_and_reply, trainee_sessions
from handlers.checkin.views import open_for_checkin, proofs_needed, settings_of
from handlers.common import viewer_of
from storage import attendance, forms, sessions
from storage.forms import FormKind
from storage.sessions import Session


async def _open_needing(
    update: Update, context: Context, proof: str
) -> tuple[int, list[Session]] | None:
    """The speaker's person id and the sessions open now that want this proof; None
    (answered) if they are no trainee of a class near now."""
    found = await trainee_sessions(update, context)
    if found is None:
        return None
    person_id, near = found
    now = context.bot_data.clock.now()
    return person_id, [s for s in open_for_checkin(near, now) if proof in proofs_needed(s)]


async def _proven_so_far(context: Context, person_id: int, session: Session) -> set[str]:
    form = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
    return set(form["proofs"]) if form and form.get("session_id") == session.id else set()


async def start(update: Update, context: Context, person_id: int, session: Session) -> None:
    """Check in at once, or ask for the proofs the class wants."""
    needed = proofs_needed(session)
    if not needed:
        await record_and_reply(update, context, person_id, session, "none")
        return
    record = await attendance.record_of(context.db, session.id, person_id)
    if record is not None and record.checkin_at is not None:
        await record_and_reply(update, context, person_id, session, "+".join(sorted(needed)))
        return
    if record is not None and record.locked_at is not None:
        await update.effective_message.reply_text(context.t("checkin.locked", title=session.title))
        return
    proofs = await _proven_so_far(context, person_id, session)
    now = context.bot_data.clock.now()
    await context.db.write(lambda tx: flows.save_proofs(tx, person_id, session.id, proofs, now))
    await _ask_next(update, context, session, needed - proofs)


async def _ask_next(
    update: Update, context: Context, session: Session, missing: set[str] | frozenset[str]
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
    update: Update, context: Context, person_id: int, session: Session, proof: str
) -> None:
    """One proof given: check in if it was the last one needed, else ask for the next."""
    needed = proofs_needed(session)
    proofs = await _proven_so_far(context, person_id, session) | {proof}
    if needed <= proofs:
        await record_and_reply(update, context, person_id, session, "+".join(sorted(needed)))
        return
    now = context.bot_data.clock.now()
    await context.db.write(lambda tx: flows.save_proofs(tx, person_id, session.id, proofs, now))
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
    found = await _open_needing(update, context, "code")
    if found is not None:
        await code_typed(update, context, *found, typed)


async def _awaiting_code(context: Context, person_id: int) -> bool:
    """Whether the person's check-in waits for a code: /checkin asked and none given yet."""
    form = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
    if form is None or "code" in form.get("proofs", []):
        return False
    session = await sessions.by_id(context.db, int(form["session_id"]))
    now = context.bot_data.clock.now()
    return (
        session is not None
        and not session.cancelled
        and "code" in proofs_needed(session)
        and bool(open_for_checkin([session], now))
    )


async def code_typed(
    update: Update, context: Context, person_id: int, candidates: list[Session], typed: str
) -> None:
    """A code for one of the candidate sessions: prove it, or count it as wrong."""
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
    update: Update, context: Context, person_id: int, candidates: list[Session]
) -> None:
    """Count a wrong code against every session it could have been meant for.

    That is the session the trainee chose (their proof form), else every open code session
    they have not checked in to and are not locked out of: with two classes in session and
    no choice made, each counts the failure, so guessing is never unlimited.
    """
    message = update.effective_message
    form = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
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
    now = context.bot_data.clock.now()
    failures = await context.db.write(
        lambda tx: flows.count_wrong_code(
            tx,
            context.bot_data,
            update_id=update.update_id,
            targets=targets,
            person_id=person_id,
            now=now,
        )
    )
    limit = checkin_code.MAX_FAILURES
    for session, count in failures:
        if count >= limit:
            await message.reply_text(context.t("checkin.locked", title=session.title))
    left = [limit - count for _, count in failures if count < limit]
    if left:
        await message.reply_text(context.t("checkin.wrong_code", left=min(left)))


async def location_shared(update: Update, context: Context) -> None:
    """A location: proof of presence at the venue, never a forwarded one."""
    message = update.effective_message
    if message.forward_origin is not None:
        await message.reply_text(context.t("checkin.forwarded"))
        return
    found = await _open_needing(update, context, "location")
    if found is None:
        return
    person_id, candidates = found
    if not candidates:
        await message.reply_text(context.t("checkin.no_location_session"))
        return
    form = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
    candidates = [s for s in candidates if form and form.get("session_id") == s.id] or candidates
    point = message.location
    best: tuple[float, Session] | None = None
    for session in candidates:
        settings = settings_of(session)
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
    radius = settings_of(best[1]).venue_radius_m if best else 0
    await message.reply_text(
        context.t("checkin.outside", distance=round(best[0]) if best else 0, radius=radius)
    )
