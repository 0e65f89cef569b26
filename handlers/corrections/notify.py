"""What a correction request tells others, through the outbox: the managers' cards (and the
evidence), the cards' closing once decided, the notice to the trainee."""

from __future__ import annotations

from datetime import datetime

from bot import permissions
from bot.context import BotData
from bot.outbox import edit_of, message
from bot.permissions import Capability
from bot.rules.locales import Locale
from handlers.checkin.views import locale_of
from handlers.corrections.views import decide_keyboard, request_view
from storage import classes, corrections, outbox, people, sessions
from storage.corrections import Correction
from storage.db import Tx
from storage.people import Recipient
from storage.sessions import Session


def _locale(data: BotData, who: Recipient | None, session: Session) -> Locale:
    return locale_of(who, session, data.config.locale) if who else data.config.locale


async def queue_cards(tx: Tx, data: BotData, request: Correction, now: datetime) -> int:
    """Queue a card (and the evidence) to every class manager who decides; how many."""
    session = await sessions.by_id(tx, request.session_id)
    assert session is not None
    view = await request_view(tx, request)
    roles = permissions.roles_for(Capability.DECIDE_CORRECTION)
    sent = 0
    for who in await classes.members(tx, request.class_id, roles):
        if who.telegram_user_id is None or who.person_id == request.person_id:
            continue  # nobody decides their own request
        locale = _locale(data, who, session)
        if request.attachment_file_id:
            kind = request.attachment_kind or "document"
            caption = data.texts.plain(locale, "fix.attachment_caption", name=view["name"])
            await outbox.enqueue(
                tx,
                key=f"correction:{request.id}:attachment:person:{who.person_id}",
                chat_id=who.telegram_user_id,
                person_id=who.person_id,
                method="sendPhoto" if kind == "photo" else "sendDocument",
                payload={kind: request.attachment_file_id, "caption": caption},
                now=now,
            )
        text = data.texts.render(locale, "fix.card", r=view)
        card = message(text, keyboard=decide_keyboard(data.texts, locale, request.id))
        if await outbox.enqueue(
            tx,
            key=corrections.card_key(request.id, who.person_id),
            chat_id=who.telegram_user_id,
            person_id=who.person_id,
            payload=card,
            now=now,
        ):
            sent += 1
    return sent


async def close_cards(
    tx: Tx,
    data: BotData,
    request: Correction,
    now: datetime,
    *,
    skip: tuple[int, int] | None = None,
) -> None:
    """Edit every card to show how the request ended; a card still pending is dropped, and
    its edit follows it if it was sent after all.

    ``skip`` is the pressed message (chat, message id), which the handler edits itself; the
    presser's other card is closed too (/pending sent it again).
    """
    session = await sessions.by_id(tx, request.session_id)
    assert session is not None
    view = await request_view(tx, request)
    for card in await corrections.cards(tx, request.id):
        if skip is not None and (card.chat_id, card.message_id) == skip:
            continue
        if card.status == "pending":
            await outbox.mark_failed(tx, card.outbox_id, "dropped", "decided before sending")
        elif card.status != "sent" or card.message_id is None:
            continue
        who = await people.recipient(tx, card.person_id) if card.person_id else None
        closed = message(data.texts.render(_locale(data, who, session), "fix.card_closed", r=view))
        await outbox.enqueue(
            tx,
            key=f"correction:{request.id}:close:{request.status}:card:{card.outbox_id}",
            chat_id=card.chat_id,
            person_id=card.person_id,
            method="editMessageText",
            payload=edit_of(card.outbox_id, closed)
            if card.message_id is None
            else {"message_id": card.message_id, **closed},
            now=now,
        )


async def tell_trainee(
    tx: Tx, data: BotData, request: Correction, macro: str, key: str, now: datetime
) -> None:
    """Queue one notice about the request to its trainee, in their language."""
    who = await people.recipient(tx, request.person_id)
    session = await sessions.by_id(tx, request.session_id)
    if who is None or who.telegram_user_id is None or session is None:
        return
    text = data.texts.render(
        _locale(data, who, session), f"fix.{macro}", r=await request_view(tx, request)
    )
    await outbox.enqueue(
        tx,
        key=key,
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        payload=message(text),
        now=now,
    )
