"""The work of reminders and announcements done inside one transaction: queue the notices.

A notice goes to many people at once, so it is queued as rows for ``enqueue_many`` (one
statement for a class of 900), each under a key naming its cause and its person: running a
job twice, or looking at the same import again, queues nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.context import BotData
from bot.outbox import paged_key
from bot.rules.locales import Locale, recipient_locale
from storage import audit, forms, outbox
from storage.db import Tx
from storage.forms import FormKind
from storage.people import Recipient

Render = Callable[[Locale], list[dict[str, Any]]]  # the pages of a message (bot.outbox.messages)


def rows_for(
    data: BotData, people: Iterable[Recipient], class_locale: str, key: str, render: Render
) -> list[dict[str, Any]]:
    """One outbox row per bound person and page, rendered once per language."""
    cache: dict[Locale, list[dict[str, Any]]] = {}
    rows = []
    for person in people:
        if person.telegram_user_id is None:
            continue
        locale = recipient_locale(person.locale, class_locale, data.config.locale)
        if locale not in cache:
            cache[locale] = render(locale)
        rows += [
            {
                "key": paged_key(f"{key}:person:{person.person_id}", n),
                "chat_id": person.telegram_user_id,
                "person_id": person.person_id,
                "payload": payload,
            }
            for n, payload in enumerate(cache[locale], start=1)
        ]
    return rows


async def queue(data: BotData, rows: list[dict[str, Any]], now: datetime) -> int:
    """Queue the rows in one write; how many were new."""
    if not rows:
        return 0
    return await data.db.write(lambda tx: outbox.enqueue_many(tx, rows, now=now))


async def send_announcement(
    tx: Tx,
    *,
    person_id: int,
    class_id: int,
    audience: str,
    people: list[Recipient],
    render: Render,
    class_locale: str,
    data: BotData,
    now: datetime,
) -> tuple[int, int] | None:
    """Record the announcement and queue it to everyone bound; (its id, how many queued).

    None if the form was sent already (a second press of Send): the form is dropped here,
    in the same transaction, so only one press sends.
    """
    if not await forms.drop(tx, person_id, FormKind.ANNOUNCE):
        return None
    bound = [p for p in people if p.telegram_user_id is not None]
    details = {"audience": audience, "queued": len(bound), "unbound": len(people) - len(bound)}
    announcement_id = await audit.record_announcement(
        tx, actor_id=person_id, class_id=class_id, details=details, now=now
    )
    rows = rows_for(data, bound, class_locale, f"announce:{announcement_id}", render)
    await outbox.enqueue_many(tx, rows, now=now)
    return announcement_id, len(bound)
