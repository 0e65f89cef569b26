"""The work of check-in done inside one transaction: record, count, mark, audit, queue.

Every write is conditional (storage/attendance.py), so the same update processed twice
records once; where a write has no such condition, the update is claimed in the same
transaction (storage/updates.py). Nothing here talks to Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot import permissions
from bot.context import BotData
from bot.outbox import caption_edit, message, messages, paged_key
from bot.permissions import Capability
from bot.rules import checkin_code
from handlers.checkin.views import locale_of
from handlers.leave import limit as leave_limit
from storage import attendance, classes, forms, outbox, people, updates
from storage.attendance import AttendanceRow
from storage.db import Queryable, SyncTx, Then, Tx
from storage.forms import FormKind
from storage.sessions import Session


class Outcome(StrEnum):
    """What came of a check-in action."""

    DONE = "done"
    STALE = "stale"  # the session, the person or the mark is not what the press says
    DUPLICATE = "duplicate"  # this update was handled before
    NOT_BEGUN = "not_begun"  # a session whose check-in has not opened: nothing to correct


_TRAINEES = permissions.roles_for(Capability.CHECK_IN)


def check_in(
    tx: SyncTx, data: BotData, session: Session, person_id: int, now: datetime, method: str
) -> tuple[bool, AttendanceRow | None] | Then[tuple[bool, AttendanceRow | None]]:
    """Record a proven check-in; (recorded now, the record as it stands). A thread write
    (``Database.write_in_thread``): the hot path of a class checking in at once.

    No update claim: the conditional INSERT is what makes a redelivered update record
    nothing twice, and skipping the claim saves a statement per check-in. The INSERT checks
    too that the person is a trainee of the class now (the viewer may be a cached copy). A
    check-in ends the person's leave early or counts as their report-back
    (handlers/leave/limit.py): only someone with open leave needs that hook, which runs
    next in the same transaction.
    """
    row, on_leave = attendance.record_checkin_now(
        tx, session, person_id, now, method, roles=_TRAINEES
    )
    if row is None:
        return False, attendance.record_of_now(tx, session.id, person_id)
    if method != "none":
        forms.drop_now(tx, person_id, FormKind.CHECKIN_PROOF)
    if not on_leave:
        return True, row
    recorded = row

    async def after(atx: Tx) -> tuple[bool, AttendanceRow | None]:
        await leave_limit.after_checkin(
            atx,
            data,
            class_id=session.class_id,
            person_id=person_id,
            session_id=session.id,
            now=now,
        )
        return True, recorded

    return Then(after)


async def check_out(
    tx: Tx, *, update_id: int, session_id: int, person_id: int, now: datetime, method: str
) -> tuple[bool, AttendanceRow | None]:
    """Record a check-out after a check-in, once; (recorded now, the record as it stands)."""
    recorded = False
    if await updates.claim(tx, update_id, now):
        recorded = await attendance.record_checkout(tx, session_id, person_id, now, method)
    return recorded, await attendance.record_of(tx, session_id, person_id)


async def keep_code_display(
    tx: Tx,
    update_id: int,
    person_id: int,
    session_id: int,
    display: dict[str, Any],
    moved_text: str,
    now: datetime,
) -> None:
    """Keep a new live /code message; the one it replaces (same manager and session) stops
    being renewed and says where the code went, so no stale code stays on a screen."""
    await updates.claim(tx, update_id, now)  # a redelivery shows nothing more (code.py)
    old = await forms.get(tx, person_id, FormKind.CODE_DISPLAY, session_id=session_id)
    await forms.save(tx, person_id, FormKind.CODE_DISPLAY, display, now, session_id=session_id)
    if old is None or old["message_id"] == display["message_id"]:
        return
    photo = bool(old.get("photo"))
    await outbox.enqueue(
        tx,
        key=f"checkin:code:session:{session_id}:message:{old['message_id']}:moved",
        chat_id=int(old["chat_id"]),
        person_id=person_id,
        method="editMessageCaption" if photo else "editMessageText",
        payload={
            "message_id": int(old["message_id"]),
            **(caption_edit(moved_text) if photo else message(moved_text)),
        },
        now=now,
    )


async def save_proofs(
    tx: Tx, person_id: int, session_id: int, proofs: Sequence[str], now: datetime
) -> None:
    """Keep what a check-in has proven so far, and to which session."""
    data = {"session_id": session_id, "proofs": sorted(proofs)}
    await forms.save(tx, person_id, FormKind.CHECKIN_PROOF, data, now)


async def save_checkout_proofs(
    tx: Tx,
    person_id: int,
    session_id: int,
    proofs: Sequence[str] | set[str],
    failures: int,
    now: datetime,
) -> None:
    """Keep what a check-out has proven so far, to which session, and its wrong codes."""
    data = {"session_id": session_id, "proofs": sorted(proofs), "failures": failures}
    await forms.save(tx, person_id, FormKind.CHECKOUT_PROOF, data, now)


async def count_wrong_code(
    tx: Tx,
    data: BotData,
    *,
    update_id: int,
    targets: Sequence[Session],
    person_id: int,
    now: datetime,
) -> list[tuple[Session, int]]:
    """Count a wrong code against each target session; the failures of each so far.

    The same update again counts nothing and reports the counts as they stand. A count that
    locks check-in tells the class's managers.
    """
    counted = await updates.claim(tx, update_id, now)
    failures = []
    for session in targets:
        if not counted:
            row = await attendance.record_of(tx, session.id, person_id)
            failures.append((session, row.code_failures if row else 0))
            continue
        count, locked = await attendance.record_code_failure(
            tx, session.id, person_id, now, lock_after=checkin_code.MAX_FAILURES
        )
        if locked:
            await _tell_lockout(tx, data, session, person_id, count, now)
        failures.append((session, count))
    return failures


async def _tell_lockout(
    tx: Tx, data: BotData, session: Session, person_id: int, failures: int, now: datetime
) -> None:
    """Queue a notice to each of the class's managers: a trainee's check-in is locked."""
    person = await people.by_id(tx, person_id)
    name = person.name if person else None  # the template names no one rather than "?"
    key = f"checkin:lockout:session:{session.id}:person:{person_id}"
    values = {"name": name, "title": session.title, "class_name": session.class_name}
    await tell_followers(
        tx, data, session, key, "checkin.lockout_notice", now, values | {"failures": failures}
    )


async def tell_followers(
    tx: Tx,
    data: BotData,
    session: Session,
    key: str,
    text: str,
    now: datetime,
    values: dict[str, Any],
) -> None:
    """Queue one message (in as many pages as it needs) to each bound follower of the class."""
    rows = await followers_messages(tx, data, session, key, text, values)
    if rows:
        await outbox.enqueue_many(tx, rows, now=now)


async def followers_messages(
    db: Queryable,
    data: BotData,
    session: Session,
    key: str,
    text: str,
    values: dict[str, Any],
) -> list[dict[str, Any]]:
    """The outbox rows of one message (in pages) to each bound follower of the class; read
    and rendered before a write that only queues them (``outbox.enqueue_many``)."""
    roles = permissions.roles_for(Capability.FOLLOW_CLASS)
    rows = []
    for manager in await classes.members(db, session.class_id, roles):
        if manager.telegram_user_id is None:
            continue
        rendered = data.texts.render(
            locale_of(manager, session, data.config.locale), text, **values
        )
        for n, payload in enumerate(messages(rendered), start=1):
            rows.append(
                {
                    "key": paged_key(f"{key}:manager:{manager.person_id}", n),
                    "chat_id": manager.telegram_user_id,
                    "person_id": manager.person_id,
                    "payload": payload,
                }
            )
    return rows
