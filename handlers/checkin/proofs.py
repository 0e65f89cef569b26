"""What a check-in must prove, per class: a code shown in the room, a location at the venue.

The proofs given so far wait in a form (kind ``checkin.proof``) with the session chosen, so
a trainee proving both sends the code and the location in any order, across a restart. A
class may accept only a live location (Telegram's ``live_period``): a point picked on the
map proves nothing about where the phone is.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from telegram import Update

from bot.context import Context
from handlers.checkin import checkout, checkout_proofs, flows
from handlers.checkin.record import ask_next, record_and_reply, trainee_sessions
from handlers.checkin.views import at_venue, is_live, open_for_checkin, proofs_needed, settings_of
from storage import attendance, forms
from storage.forms import FormKind
from storage.sessions import Session


async def open_needing(
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


class Unread(Enum):
    """The proof form was not read yet (a caller that read it passes it on: one read less)."""

    UNREAD = "unread"


UNREAD = Unread.UNREAD
Form = dict[str, Any] | None


async def _proven_so_far(
    context: Context, person_id: int, session: Session, form: Form | Unread = UNREAD
) -> set[str]:
    if form is UNREAD:
        form = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
    return set(form["proofs"]) if form and form.get("session_id") == session.id else set()


async def start(update: Update, context: Context, person_id: int, session: Session) -> None:
    """Check in at once, or ask for the proofs the class wants (the session is now chosen)."""
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
    await ask_next(update, context, session, needed - proofs, "checkin")


async def proven(
    update: Update,
    context: Context,
    person_id: int,
    session: Session,
    proof: str,
    *,
    form: Form | Unread = UNREAD,
) -> None:
    """One proof given: check in if it was the last one needed, else ask for the next.

    ``form``: the person's proof form, if the caller read it already. Check-in locked by
    wrong codes stops here, before a proof is kept; the last proof needs no such look, the
    check-in's write refuses a locked record itself (record_and_reply says so).
    """
    needed = proofs_needed(session)
    proofs = await _proven_so_far(context, person_id, session, form) | {proof}
    if needed <= proofs:
        await record_and_reply(update, context, person_id, session, "+".join(sorted(needed)))
        return
    record = await attendance.record_of(context.db, session.id, person_id)
    if record is not None and record.locked_at is not None and record.checkin_at is None:
        await update.effective_message.reply_text(context.t("checkin.locked", title=session.title))
        return
    now = context.bot_data.clock.now()
    await context.db.write(lambda tx: flows.save_proofs(tx, person_id, session.id, proofs, now))
    await ask_next(update, context, session, needed - proofs, "checkin")


async def location_shared(update: Update, context: Context) -> None:
    """A location: proof of presence at the venue, never a forwarded one (nor, where the
    class says so, a point that is not live)."""
    message = update.effective_message
    if message.forward_origin is not None:
        await message.reply_text(context.t("checkin.forwarded"))
        return
    viewer = context.viewer
    if viewer is not None and viewer.person is not None:
        person_id = viewer.person.id
        leaving = await checkout_proofs.awaiting(context, person_id, "location")
        if leaving is not None:
            if await checkout_proofs.location_given(update, context, person_id, leaving):
                await checkout.resume(update, context, person_id, leaving)
            return
    found = await open_needing(update, context, "location")
    if found is None:
        return
    person_id, candidates = found
    if not candidates:
        await message.reply_text(context.t("checkin.no_location_session"))
        return
    form = await forms.get(context.db, person_id, FormKind.CHECKIN_PROOF)
    candidates = [s for s in candidates if form and form.get("session_id") == s.id] or candidates
    point = message.location
    if not is_live(point) and any(settings_of(s).live_location_only for s in candidates):
        await message.reply_text(context.t("checkin.live_only"))
        return
    best: tuple[float, Session] | None = None
    for session in candidates:
        inside, distance = at_venue(session, point)
        if inside:
            await proven(update, context, person_id, session, "location")
            return
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, session)
    radius = settings_of(best[1]).venue_radius_m if best else 0
    await message.reply_text(
        context.t("checkin.outside", distance=round(best[0]) if best else 0, radius=radius)
    )
