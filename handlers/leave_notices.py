"""What the leave feature writes to people: views for the templates, cards, queued notices.

Shared by the handlers and the timed jobs. Everything sent to someone other than the person
who pressed goes through the outbox, inside the transaction of the change that causes it, in
the recipient's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import Action, pack
from bot.context import BotData, Context
from bot.outbox import edit_of, message
from bot.rules import class_settings, leave_limit
from bot.rules import leave as leave_rules
from bot.rules.class_settings import ClassSettings
from bot.rules.leave_limit import Tally
from bot.rules.locales import Locale, parse_locale
from storage import leave, outbox
from storage.classes import ClassRow
from storage.db import Queryable, Tx


@dataclass(frozen=True)
class ClassInfo:
    """A class with its parsed settings and zone."""

    row: ClassRow
    settings: ClassSettings

    @property
    def zone(self) -> ZoneInfo:
        """The class's time zone."""
        return ZoneInfo(self.row.timezone)


async def class_info(db: Queryable, class_id: int) -> ClassInfo | None:
    """A class by id, with settings."""
    klass = await leave.class_row(db, class_id)
    return None if klass is None else ClassInfo(klass, class_settings.from_json(klass.settings))


def locale_of(data: BotData, who: leave.Recipient, info: ClassInfo) -> Locale:
    """The recipient's language: their own, else the class's, else the bot's."""
    return parse_locale(who.locale) or info.settings.locale or data.config.locale


async def tally_of(db: Queryable, info: ClassInfo, person_id: int, now: datetime) -> Tally:
    """A trainee's leave against their class's limit now."""
    return await leave.tally(db, info.row.id, person_id, now, info.settings)


def session_view(session: leave.LeaveSession, zone: ZoneInfo) -> dict[str, Any]:
    """A session as templates show it, in the class's local time."""
    start = session.starts_at.astimezone(zone)
    return {
        "id": session.id,
        "title": session.title,
        "day": start.date(),
        "start": start.strftime("%H:%M"),
        "end": session.ends_at.astimezone(zone).strftime("%H:%M"),
        "hours": leave_limit.show(session.hours),
    }


def moment_view(moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A moment as templates show it: local day and time."""
    local = moment.astimezone(zone)
    return {"day": local.date(), "time": local.strftime("%H:%M")}


def tally_view(tally: Tally, request_hours: Fraction | None = None) -> dict[str, Any]:
    """The figures of the one-seventh rule for templates; with a request, also as if approved."""
    return leave_limit.figures(tally, request_hours)


def limit_decision_view(decision: leave.LimitDecision | None, zone: ZoneInfo) -> Any:
    """A recorded over-limit decision as templates show it (None: nothing recorded)."""
    if decision is None:
        return None
    return {
        "decision": decision.decision,
        "reason": decision.reason,
        "name": decision.decider_name,
        "at": moment_view(decision.decided_at, zone),
    }


async def request_view(
    db: Queryable, info: ClassInfo, request: leave.LeaveRequest, now: datetime
) -> dict[str, Any]:
    """Everything a card or notice shows about a request."""
    name, unit = await leave.person_name(db, request.person_id)
    tally = await tally_of(db, info, request.person_id, now)
    counted = request.hours if request.status != "approved" else None
    decisions = [
        {
            "level": d.level,
            "name": d.decider_name,
            "decision": d.decision,
            "reason": d.reason,
            "at": moment_view(d.decided_at, info.zone),
        }
        for d in await leave.decisions_of(db, request.id)
    ]
    return {
        "id": request.id,
        "class_name": info.row.name,
        "name": name,
        "unit": unit,
        "status": request.status,
        "reason": request.reason,
        "attachment": request.attachment_kind,
        "hours": leave_limit.show(request.hours),
        "levels": request.levels_required,
        "sessions": [session_view(s, info.zone) for s in request.sessions],
        "tally": tally_view(tally, counted),
        "decisions": decisions,
        "limit_decision": limit_decision_view(
            await leave.limit_decision(db, info.row.id, request.person_id), info.zone
        ),
    }


def decide_keyboard(
    texts: Any, locale: Locale, request_id: int, level: int
) -> InlineKeyboardMarkup:
    """Approve and Reject, for one level of one request."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.plain(locale, "leave.approve"),
                    callback_data=pack(Action.LEAVE_APPROVE, request_id, level),
                ),
                InlineKeyboardButton(
                    texts.plain(locale, "leave.reject"),
                    callback_data=pack(Action.LEAVE_REJECT, request_id, level),
                ),
            ]
        ]
    )


def one_button(texts: Any, locale: Locale, label: str, data: str) -> InlineKeyboardMarkup:
    """A keyboard of a single button."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.plain(locale, f"leave.{label}"), callback_data=data)]]
    )


def deciders_roles(level: int) -> tuple[str, ...]:
    """Who decides a level: class managers, then school admins."""
    return ("manager",) if level == 1 else ("admin",)


async def queue_cards(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    request: leave.LeaveRequest,
    level: int,
    now: datetime,
    *,
    nudge: str | None = None,
) -> int:
    """Queue a decision card (and the attachment) to every decider of a level; how many.

    A nudge re-sends the card under its own key, so each nudge goes out once.
    """
    view = await request_view(tx, info, request, now)
    sent = 0
    for who in await leave.holders(tx, info.row.id, deciders_roles(level)):
        if who.person_id == request.person_id:
            continue  # nobody decides their own request
        locale = locale_of(data, who, info)
        key = leave.card_key(request.id, level, who.person_id)
        if nudge:
            key = f"{key}:nudge:{nudge}"
        if request.attachment_file_id and not nudge:
            method = "sendPhoto" if request.attachment_kind == "photo" else "sendDocument"
            await outbox.enqueue(
                tx,
                key=f"leave:{request.id}:attachment:{level}:person:{who.person_id}",
                chat_id=who.telegram_user_id,
                person_id=who.person_id,
                method=method,
                payload={
                    request.attachment_kind or "document": request.attachment_file_id,
                    "caption": data.texts.plain(
                        locale, "leave.attachment_caption", name=view["name"]
                    ),
                },
                now=now,
            )
        text = data.texts.render(locale, "leave.card", r=view, level=level, nudge=nudge)
        keyboard = decide_keyboard(data.texts, locale, request.id, level)
        if await outbox.enqueue(
            tx,
            key=key,
            chat_id=who.telegram_user_id,
            person_id=who.person_id,
            payload=message(text, keyboard=keyboard),
            now=now,
        ):
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
    skip_message: tuple[int, int] | None = None,
) -> None:
    """Edit every card of a level to show how it ended; drop those not sent yet.

    ``skip_message`` is the (chat, message) the presser's own card, edited by the handler.
    A card still pending may be in flight at this very moment, so dropping it is not
    enough: its edit names the card's outbox row (``edit_of``) and follows it if it was
    sent after all; if the drop came first, the edit is dropped too.
    """
    request = await leave.get_request(tx, request_id)
    if request is None:
        return
    view = await request_view(tx, info, request, now)
    for card in await leave.cards(tx, request_id, level):
        if skip_message is not None and card.chat_id == skip_message[0]:
            # The presser's own card (one per chat and level), sent even if its result is
            # not recorded yet; the handler edits it.
            continue
        if card.status == "pending":
            await outbox.mark_failed(tx, card.outbox_id, "dropped", "request closed before sending")
        elif card.status != "sent" or card.message_id is None:
            continue
        who = await leave.recipient(tx, card.person_id) if card.person_id else None
        locale = locale_of(data, who, info) if who else info.settings.locale
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
    keyboard: tuple[str, str] | None = None,
    **values: Any,
) -> None:
    """Queue one notice to one person, in their language; keyboard is (label, data)."""
    who = await leave.recipient(tx, person_id)
    if who is None:
        return
    locale = locale_of(data, who, info)
    markup = one_button(data.texts, locale, *keyboard) if keyboard else None
    await outbox.enqueue(
        tx,
        key=key,
        chat_id=who.telegram_user_id,
        person_id=who.person_id,
        payload=message(data.texts.render(locale, f"leave.{macro}", **values), keyboard=markup),
        now=now,
    )


async def tell_staff(
    tx: Tx,
    data: BotData,
    info: ClassInfo,
    roles: tuple[str, ...],
    key: str,
    macro: str,
    now: datetime,
    *,
    exclude: int | None = None,
    **values: Any,
) -> None:
    """Queue one notice to every holder of these roles in the class."""
    for who in await leave.holders(tx, info.row.id, roles):
        if who.person_id == exclude:
            continue
        locale = locale_of(data, who, info)
        await outbox.enqueue(
            tx,
            key=f"{key}:to:{who.person_id}",
            chat_id=who.telegram_user_id,
            person_id=who.person_id,
            payload=message(data.texts.render(locale, f"leave.{macro}", **values)),
            now=now,
        )


async def refused_reason(message: Message, context: Context, reason: str) -> bool:
    """Tell a decider why their reason cannot be taken (empty, too long); True if refused."""
    if not reason:
        await message.reply_text(context.t("leave.reject_reason_empty"))
        return True
    if len(reason) > leave_rules.MAX_REASON_CHARS:
        await message.reply_text(
            context.t("leave.reason_too_long", max=leave_rules.MAX_REASON_CHARS, length=len(reason))
        )
        return True
    return False
