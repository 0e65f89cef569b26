"""What leave tells people other than the one who pressed: cards, their closing, notices.

Every function here runs inside the transaction of the change that causes it and queues
through the outbox, under a key naming the cause, in each recipient's language: however
often the cause is processed, each message goes out once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import permissions
from bot.buttons import Button, one_button
from bot.context import BotData
from bot.outbox import edit_of, message
from bot.permissions import Capability
from handlers.leave.info import ClassInfo
from handlers.leave.views import decide_keyboard, request_view
from storage import classes, leave, outbox, people
from storage.db import Tx
from storage.leave import LeaveRequest
from storage.people import Recipient


async def staff(
    tx: Tx, info: ClassInfo, capabilities: tuple[Capability, ...], *, exclude: int | None = None
) -> list[Recipient]:
    """The bound people of the class who have any of these capabilities (but ``exclude``)."""
    found = await classes.members(tx, info.row.id, permissions.roles_for(*capabilities))
    return [p for p in found if p.telegram_user_id is not None and p.person_id != exclude]


async def _queue(
    tx: Tx,
    key: str,
    who: Recipient,
    payload: dict[str, Any],
    now: datetime,
    method: str = "sendMessage",
) -> bool:
    assert who.telegram_user_id is not None
    return await outbox.enqueue(
        tx,
        key=key,
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        method=method,
        payload=payload,
        now=now,
    )


async def queue_cards(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    request: LeaveRequest,
    level: int,
    now: datetime,
    *,
    nudge: str | None = None,
) -> int:
    """Queue a decision card (and the attachment) to every decider of a level; how many.

    A nudge sends the card again under its own key, so each nudge goes out once.
    """
    view = await request_view(tx, info, request, now)
    sent = 0
    deciders = await staff(
        tx, info, (permissions.level_capability(level),), exclude=request.person_id
    )
    for who in deciders:  # nobody decides their own request
        locale = info.locale_of(who, data.config.locale)
        if request.attachment_file_id and not nudge:
            kind = request.attachment_kind or "document"
            caption = data.texts.plain(locale, "leave.attachment_caption", name=view["name"])
            await _queue(
                tx,
                f"leave:{request.id}:attachment:{level}:person:{who.person_id}",
                who,
                {kind: request.attachment_file_id, "caption": caption},
                now,
                method="sendPhoto" if kind == "photo" else "sendDocument",
            )
        key = leave.card_key(request.id, level, who.person_id)
        text = data.texts.render(locale, "leave.card", r=view, level=level, nudge=nudge)
        card = message(text, keyboard=decide_keyboard(data.texts, locale, request.id, level))
        if await _queue(tx, f"{key}:nudge:{nudge}" if nudge else key, who, card, now):
            sent += 1
    return sent


async def close_cards(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    request_id: int,
    level: int,
    now: datetime,
    *,
    skip: tuple[int, int] | None = None,
) -> None:
    """Edit every card of a level to show how it ended; drop those not sent yet.

    ``skip`` is the pressed message (chat, message id): the handler edits it at once. Every
    other card is closed, the presser's own included when they decided on a card /pending
    sent them again. A card still pending may be in flight at this very moment, so
    dropping it is not enough: its edit names the card's outbox row (``edit_of``) and
    follows it if it was sent after all; if the drop came first, the edit is dropped too.
    """
    request = await leave.get_request(tx, request_id)
    if request is None:
        return
    view = await request_view(tx, info, request, now)
    for card in await leave.cards(tx, request_id, level):
        if skip is not None and (card.chat_id, card.message_id) == skip:
            continue
        if card.status == "pending":
            await outbox.mark_failed(tx, card.outbox_id, "dropped", "request closed before sending")
        elif card.status != "sent" or card.message_id is None:
            continue
        who = await people.recipient(tx, card.person_id) if card.person_id else None
        locale = info.locale_of(who, data.config.locale)
        closed = message(data.texts.render(locale, "leave.card_closed", r=view, level=level))
        await outbox.enqueue(
            tx,
            key=f"leave:{request_id}:close:{level}:{request.status}:card:{card.outbox_id}",
            chat_id=card.chat_id,
            person_id=card.person_id,
            method="editMessageText",
            payload=edit_of(card.outbox_id, closed)
            if card.message_id is None
            else {"message_id": card.message_id, **closed},
            now=now,
        )


async def tell_person(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    person_id: int,
    key: str,
    macro: str,
    now: datetime,
    *,
    button: tuple[str, Button] | None = None,
    **values: Any,
) -> None:
    """Queue one notice to one person, in their language (nothing if they are not bound);
    ``button`` is (its label in leave.txt, the button)."""
    who = await people.recipient(tx, person_id)
    if who is None:
        return
    locale = info.locale_of(who, data.config.locale)
    text = data.texts.render(locale, f"leave.{macro}", **values)
    markup = None
    if button is not None:
        markup = one_button(data.texts.plain(locale, f"leave.{button[0]}"), button[1])
    await _queue(tx, key, who, message(text, keyboard=markup), now)


async def tell_staff(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    capabilities: tuple[Capability, ...],
    key: str,
    macro: str,
    now: datetime,
    **values: Any,
) -> None:
    """Queue one notice to every bound holder of these capabilities in the class."""
    for who in await staff(tx, info, capabilities):
        locale = info.locale_of(who, data.config.locale)
        text = data.texts.render(locale, f"leave.{macro}", **values)
        await _queue(tx, f"{key}:to:{who.person_id}", who, message(text), now)
