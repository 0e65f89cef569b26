"""People and their Telegram accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Queryable, Tx
from storage.times import to_db

# Invite codes go into t.me deep links: [A-Za-z0-9_-], at most 64 characters. Ten
# characters from an alphabet without look-alikes is ~50 bits: not guessable.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 10


@dataclass(frozen=True)
class Person:
    """A human on some class's roster."""

    id: int
    name: str
    phone: str
    unit: str | None
    invite_code: str
    telegram_user_id: int | None
    locale: str | None


_COLUMNS = "id, name, phone, unit, invite_code, telegram_user_id, locale"


@dataclass(frozen=True)
class Recipient:
    """Someone the bot writes to on its own initiative, or would once they bind."""

    person_id: int
    name: str
    phone: str
    telegram_user_id: int | None  # None: not bound, nobody to write to yet
    locale: str | None  # their own choice; None: their class's language


# Select these (people as ``p``) to build a Recipient.
RECIPIENT_COLUMNS = "p.id, p.name, p.phone, p.telegram_user_id, p.locale"


def _person(row: aiosqlite.Row | None) -> Person | None:
    return None if row is None else Person(*row)


def new_invite_code() -> str:
    """Return a fresh random invite code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


async def by_telegram_user(db: Queryable, user_id: int) -> Person | None:
    """Return the person bound to a Telegram account, if any."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM people WHERE telegram_user_id = ?", (user_id,))
    return _person(row)


async def by_phone(db: Queryable, phone: str) -> Person | None:
    """Return the person with this normalised phone number, if any."""
    return _person(await db.fetchone(f"SELECT {_COLUMNS} FROM people WHERE phone = ?", (phone,)))


async def by_invite_code(db: Queryable, code: str) -> Person | None:
    """Return the person with this invite code, if any."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM people WHERE invite_code = ?", (code,))
    return _person(row)


async def by_id(db: Queryable, person_id: int) -> Person | None:
    """Return a person by id."""
    return _person(await db.fetchone(f"SELECT {_COLUMNS} FROM people WHERE id = ?", (person_id,)))


async def bind(tx: Tx, person_id: int, user_id: int, locale: str, now: datetime) -> bool:
    """Bind a Telegram account to a person still unbound; False if someone was faster."""
    cursor = await tx.execute(
        "UPDATE people SET telegram_user_id = ?, locale = ?, bound_at = ?, updated_at = ?,"
        " unreachable_at = NULL"
        " WHERE id = ? AND telegram_user_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM people WHERE telegram_user_id = ?)",
        (user_id, locale, to_db(now), to_db(now), person_id, user_id),
    )
    return cursor.rowcount == 1


async def unbind(tx: Tx, person_id: int, now: datetime) -> int | None:
    """Free a person's place from its Telegram account; return the account it had, if any."""
    row = await tx.fetchone("SELECT telegram_user_id FROM people WHERE id = ?", (person_id,))
    if row is None or row[0] is None:
        return None
    await tx.execute(
        "UPDATE people SET telegram_user_id = NULL, bound_at = NULL, updated_at = ? WHERE id = ?",
        (to_db(now), person_id),
    )
    return int(row[0])


async def set_locale(tx: Tx, person_id: int, locale: str, now: datetime) -> None:
    """Change the language a person reads."""
    await tx.execute(
        "UPDATE people SET locale = ?, updated_at = ? WHERE id = ?", (locale, to_db(now), person_id)
    )


async def mark_reachable(tx: Tx, person_id: int, now: datetime) -> None:
    """Clear the unreachable mark: the person wrote to the bot, so it can write back."""
    await tx.execute(
        "UPDATE people SET unreachable_at = NULL, updated_at = ?"
        " WHERE id = ? AND unreachable_at IS NOT NULL",
        (to_db(now), person_id),
    )


async def recipient(db: Queryable, person_id: int) -> Recipient | None:
    """A person the bot can write to; None if there is no such person or they are not bound."""
    row = await db.fetchone(
        f"SELECT {RECIPIENT_COLUMNS} FROM people p"
        " WHERE p.id = ? AND p.telegram_user_id IS NOT NULL",
        (person_id,),
    )
    return None if row is None else Recipient(*row)


async def name_and_unit(db: Queryable, person_id: int) -> tuple[str | None, str | None]:
    """A person's name and unit; (None, None) if there is no such person (the templates
    say what to show then)."""
    row = await db.fetchone("SELECT name, unit FROM people WHERE id = ?", (person_id,))
    return (row[0], row[1]) if row else (None, None)


async def bound_user_ids(db: Queryable) -> list[int]:
    """The Telegram user ids of everyone bound, in id order."""
    rows = await db.fetchall(
        "SELECT telegram_user_id FROM people WHERE telegram_user_id IS NOT NULL ORDER BY id"
    )
    return [int(r[0]) for r in rows]
