"""The work of one's account done inside one transaction: binding it, changing its language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.rules import binding
from bot.rules.binding import BindOutcome
from bot.rules.class_settings import from_json
from bot.rules.locales import Locale, locale_from_telegram
from storage import audit, classes, people
from storage.db import Tx
from storage.people import Person

Find = Callable[[Tx], Awaitable[Person | None]]


async def bind(
    tx: Tx,
    *,
    find: Find,
    user_id: int,
    language_code: str | None,
    fallback: Locale,
    via: str,
    now: datetime,
) -> tuple[BindOutcome, Person | None]:
    """Bind a Telegram account to the person ``find`` names, if the rule allows it.

    Decided inside the transaction: two accounts racing for one person, or one update
    delivered twice, see the other's committed binding here and change nothing. The person
    reads the bot in their Telegram language, else their class's.
    """
    target = await find(tx)
    current = await people.by_telegram_user(tx, user_id)
    outcome = binding.decide(user_id, target, current)
    if outcome is not BindOutcome.BOUND:
        return outcome, target
    assert target is not None
    memberships = await classes.memberships_of(tx, target.id)
    class_locale = from_json(memberships[0].klass.settings).locale if memberships else None
    locale = locale_from_telegram(language_code, class_locale or fallback)
    if not await people.bind(tx, target.id, user_id, locale, now):
        return BindOutcome.TAKEN, target
    await audit.record(
        tx,
        at=now,
        actor=f"telegram:{user_id}",
        actor_id=target.id,
        action="person.bind",
        subject=f"person:{target.id}",
        details={"via": via},
    )
    return outcome, await people.by_id(tx, target.id)


async def set_locale(
    tx: Tx, *, person_id: int, user_id: int, locale: Locale, now: datetime
) -> None:
    """Change the language a person reads, with an audit entry."""
    await people.set_locale(tx, person_id, locale, now)
    await audit.record(
        tx,
        at=now,
        actor=f"telegram:{user_id}",
        actor_id=person_id,
        action="person.locale",
        subject=f"person:{person_id}",
        details={"locale": locale},
    )
