"""A check-in code, typed or scanned: checked against the session the trainee chose only.

With two sessions open at once (back-to-back sessions, check-in opening 30 minutes early),
the trainee chooses one (the which-session button, the reminder's button, or the QR code,
which names its session). The code is then checked against that session alone: the other
session's code, shown in the other room, changes nothing and says so, so nobody is checked
in to a session they did not choose. With no choice made, the code itself says which
session it belongs to, and a wrong one counts against every session it could have meant.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import Context
from bot.rules import checkin_code
from handlers import fallback
from handlers.checkin import checkout, checkout_proofs, flows, proofs
from handlers.checkin.record import record_and_reply
from handlers.checkin.views import open_for_checkin, proofs_needed
from handlers.common import viewer_of
from storage import attendance, forms, sessions
from storage.forms import FormKind
from storage.sessions import Session


async def code_text(update: Update, context: Context) -> None:
    """Digits typed: a check-out's code if one waits for it, else a check-in code if six,
    or a malformed one while a code is awaited.

    Six digits (after folding full-width digits and dropping spaces) are always taken as a
    code. Four to eight digits otherwise mean a code only while the trainee's check-in waits
    for one (a proof form for a session open now that still needs its code): they get "a
    code has 6 digits" and count as no wrong attempt, since no code could match them. Any
    other time such digits are not ours, and get the fallback's answer.
    """
    viewer = viewer_of(context)
    typed = update.effective_message.text or ""
    person = viewer.person
    # One read for both forms a code may be for: this runs for every code of a class.
    mine = {f.kind: f.data for f in await forms.of_person(context.db, person.id)} if person else {}
    if person is not None and FormKind.CHECKOUT_PROOF in mine:
        leaving = await checkout_proofs.awaiting(
            context, person.id, "code", mine[FormKind.CHECKOUT_PROOF]
        )
        if leaving is not None:
            if await checkout_proofs.code_given(update, context, person.id, leaving, typed):
                await checkout.resume(update, context, person.id, leaving)
            return
    proof = mine.get(FormKind.CHECKIN_PROOF)
    if checkin_code.normalise(typed) is None and (
        person is None or not await _awaiting_code(context, proof)
    ):
        await fallback.unknown_message(update, context)
        return
    found = await proofs.open_needing(update, context, "code")
    if found is not None:
        await code_typed(update, context, *found, typed, proof=proof)


async def _awaiting_code(context: Context, form: dict[str, Any] | None) -> bool:
    """Whether the person's check-in waits for a code (their proof form): /checkin asked and
    none given yet."""
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


def chosen_among(proof: dict[str, Any] | None, found: list[Session]) -> Session | None:
    """The session among these the trainee chose to check in to (their proof form), if any."""
    return next((s for s in found if proof and proof.get("session_id") == s.id), None)


async def code_typed(
    update: Update,
    context: Context,
    person_id: int,
    candidates: list[Session],
    typed: str,
    *,
    chosen: Session | None = None,
    proof: dict[str, Any] | proofs.Unread | None = proofs.UNREAD,
) -> None:
    """A code for the chosen session (given, else the one of the trainee's proof form, else
    any of the candidates): prove it, or count it as wrong; the code of another open
    session changes nothing."""
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
    if chosen is None:
        chosen = chosen_among(None if proof is proofs.UNREAD else proof, candidates)
    targets = [chosen] if chosen is not None else candidates
    for session in targets:
        if checkin_code.verify(session.secret, typed, now):
            # A locked check-in is refused by proven (or by the check-in's own write).
            await proofs.proven(update, context, person_id, session, "code", form=proof)
            return
    if chosen is not None:
        other = next(
            (
                s
                for s in candidates
                if s.id != chosen.id and checkin_code.verify(s.secret, typed, now)
            ),
            None,
        )
        if other is not None:
            await message.reply_text(
                context.t("checkin.code_other_session", title=other.title, chosen=chosen.title)
            )
            return
    await _wrong_code(update, context, person_id, targets)


async def _wrong_code(
    update: Update, context: Context, person_id: int, pool: list[Session]
) -> None:
    """Count a wrong code against every session it could have been meant for.

    That is the session the trainee chose, else every open code session they have not
    checked in to and are not locked out of: with two classes in session and no choice
    made, each counts the failure, so guessing is never unlimited.
    """
    message = update.effective_message
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
