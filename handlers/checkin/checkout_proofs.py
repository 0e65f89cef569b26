"""Proof at check-out (class setting ``checkout_proof``): the same proof as check-in.

Without it, someone can leave and sign out from the hotel. With it, a check-out waits for
what check-in asks for: the code shown in the room, the location at the venue, or both. The
proofs given so far wait in a form (kind ``checkout.proof``) with the session, across a
restart; once all are given, the check-out goes on as it would without them
(handlers/checkin/checkout.py), its confirmation of leaving early included. Wrong codes are
counted in the form: after as many as lock a check-in, the check-out by code is refused and
the trainee sees their class manager, who can mark them by hand.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import Context
from bot.rules import checkin_code
from bot.rules.attendance import CheckoutVerdict, checkout_verdict
from handlers.checkin import flows
from handlers.checkin.record import ask_next
from handlers.checkin.views import at_venue, checkout_proofs_needed, is_live, settings_of, window_of
from storage import attendance, forms, sessions
from storage.forms import FormKind
from storage.sessions import Session


async def _form(context: Context, person_id: int, session: Session) -> dict[str, Any]:
    form = await forms.get(context.db, person_id, FormKind.CHECKOUT_PROOF)
    return form if form and form.get("session_id") == session.id else {}


async def _can_check_out(context: Context, person_id: int, session: Session) -> bool:
    """Whether a check-out of this session could be recorded now (else checkout.py says why)."""
    now = context.bot_data.clock.now()
    if session.cancelled or checkout_verdict(now, window_of(session)) is CheckoutVerdict.CLOSED:
        return False
    record = await attendance.record_of(context.db, session.id, person_id)
    return record is not None and record.checkin_at is not None and record.checkout_at is None


async def require(update: Update, context: Context, person_id: int, session: Session) -> bool:
    """Whether the check-out may go on now: nothing to prove, or all of it given; else the
    next proof is asked for (False)."""
    needed = checkout_proofs_needed(session)
    if not needed or not await _can_check_out(context, person_id, session):
        return True
    form = await _form(context, person_id, session)
    given = set(form.get("proofs", []))
    if needed <= given:
        return True
    failures = int(form.get("failures", 0))
    if "code" not in given and failures >= checkin_code.MAX_FAILURES:
        await update.effective_message.reply_text(
            context.t("checkin.checkout_locked", title=session.title)
        )
        return False
    await _save(context, person_id, session, given, failures)
    await ask_next(update, context, session, needed - given, "checkout")
    return False


async def _save(
    context: Context, person_id: int, session: Session, given: set[str], failures: int
) -> None:
    now = context.bot_data.clock.now()
    await context.db.write(
        lambda tx: flows.save_checkout_proofs(tx, person_id, session.id, given, failures, now)
    )


async def awaiting(
    context: Context, person_id: int, proof: str, form: dict[str, Any] | None = None
) -> Session | None:
    """The session whose check-out waits for this proof from the person (their form, read
    here unless given), if any."""
    form = form or await forms.get(context.db, person_id, FormKind.CHECKOUT_PROOF)
    if form is None or proof in form.get("proofs", []):
        return None
    session = await sessions.by_id(context.db, int(form["session_id"]))
    if session is None or proof not in checkout_proofs_needed(session):
        return None
    return session if await _can_check_out(context, person_id, session) else None


async def _given(
    update: Update, context: Context, person_id: int, session: Session, proof: str
) -> bool:
    form = await _form(context, person_id, session)
    given = set(form.get("proofs", [])) | {proof}
    await _save(context, person_id, session, given, int(form.get("failures", 0)))
    missing = checkout_proofs_needed(session) - given
    if missing:
        await ask_next(update, context, session, missing, "checkout")
    return not missing


async def code_given(
    update: Update, context: Context, person_id: int, session: Session, typed: str
) -> bool:
    """A code typed for a check-out; True once every proof is given (check out now)."""
    message = update.effective_message
    if checkin_code.normalise(typed) is None:
        await message.reply_text(context.t("checkin.malformed_code"))
        return False
    form = await _form(context, person_id, session)
    failures = int(form.get("failures", 0))
    if failures >= checkin_code.MAX_FAILURES:
        await message.reply_text(context.t("checkin.checkout_locked", title=session.title))
        return False
    if checkin_code.verify(session.secret, typed, context.bot_data.clock.now()):
        return await _given(update, context, person_id, session, "code")
    failures += 1
    await _save(context, person_id, session, set(form.get("proofs", [])), failures)
    left = checkin_code.MAX_FAILURES - failures
    if left <= 0:
        await message.reply_text(context.t("checkin.checkout_locked", title=session.title))
    else:
        await message.reply_text(context.t("checkin.wrong_code", left=left))
    return False


async def location_given(
    update: Update, context: Context, person_id: int, session: Session
) -> bool:
    """A location shared for a check-out; True once every proof is given (check out now)."""
    message = update.effective_message
    point = message.location
    settings = settings_of(session)
    if settings.live_location_only and not is_live(point):
        await message.reply_text(context.t("checkin.live_only"))
        return False
    inside, distance = at_venue(session, point)
    if not inside:
        await message.reply_text(
            context.t(
                "checkin.outside", distance=round(distance or 0), radius=settings.venue_radius_m
            )
        )
        return False
    return await _given(update, context, person_id, session, "location")
