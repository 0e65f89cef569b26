"""The work of ratings done inside one transaction: the form's state, the submitted rating,
the comment, and the close of a rating window. Nothing here talks to Telegram.

Anonymity: the rating keeps its person only while the window is open (the one-per-person
rule needs it); ``close_window`` drops the person in the same transaction that queues the
instructors' summaries, so from then on not even the database knows who rated what.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.rules import rating as rating_rules
from bot.rules.rating import Form
from storage import forms, outbox, ratings, updates
from storage.db import Tx
from storage.forms import FormKind


class Outcome(StrEnum):
    """What came of submitting a rating; each but SAVED names the text that explains it."""

    SAVED = "saved"
    ALREADY = "already"  # submitted before (or this update was handled before)
    INCOMPLETE = "incomplete"  # a question has no answer yet


async def save_form(tx: Tx, person_id: int, session_id: int, form: Form, now: datetime) -> None:
    """Keep a form's state; a form awaiting its comment is the only one that does."""
    if form.awaiting_comment:  # one comment awaited at a time: the latest form asked
        for other in await forms.of_person(tx, person_id):
            if (
                other.kind is FormKind.RATING
                and other.session_id != session_id
                and other.data.get("awaiting_comment")
            ):
                data = {**other.data, "awaiting_comment": False}
                await forms.save(
                    tx, person_id, FormKind.RATING, data, now, session_id=other.session_id
                )
    await forms.save(tx, person_id, FormKind.RATING, form.to_json(), now, session_id=session_id)


async def submit(
    tx: Tx, *, update_id: int, person_id: int, session_id: int, dims: Sequence[str], now: datetime
) -> Outcome:
    """Store the rating the form holds, once, and drop the form."""
    if not await updates.claim(tx, update_id, now):
        return Outcome.ALREADY
    stored = await forms.get(tx, person_id, FormKind.RATING, session_id=session_id)
    current = Form.from_json(stored) if stored else None
    if current is None:
        mine = await ratings.rating_of(tx, session_id, person_id)
        return Outcome.ALREADY if mine else Outcome.INCOMPLETE
    if not rating_rules.complete(current, tuple(dims)):
        return Outcome.INCOMPLETE
    scores = {d: current.scores[d] for d in dims}
    await ratings.save_rating(tx, session_id, person_id, scores, current.comment, now)
    await forms.drop(tx, person_id, FormKind.RATING, session_id=session_id)
    return Outcome.SAVED


async def save_comment(
    tx: Tx, *, update_id: int, person_id: int, session_id: int, form: Form, now: datetime
) -> bool:
    """Keep the typed comment on the form, once per update; False if seen before."""
    if not await updates.claim(tx, update_id, now):
        return False
    await forms.save(tx, person_id, FormKind.RATING, form.to_json(), now, session_id=session_id)
    return True


async def close_window(
    tx: Tx, session_id: int, sends: Sequence[dict[str, Any]], now: datetime
) -> None:
    """The window closed: drop the half-filled forms, forget who rated, queue the summaries.

    ``sends`` are outbox rows (``storage.outbox.enqueue_many``): each instructor's summary,
    and its chart right after it, so the chart never arrives before the text.
    """
    await forms.drop_of_session(tx, session_id)
    # The one-per-person rule needs the person no more.
    await ratings.anonymise(tx, session_id)
    await outbox.enqueue_many(tx, sends, now=now)
