"""The audit log in chat: a page of entries as lines, and the keyboard to page through it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import AuditPage, keyboard
from bot.context import Context
from bot.records.workbook import Labels, describe
from storage import classes, records

PAGE = 15  # entries per page: a page of long entries still fits one message


async def audit_view(
    context: Context, class_id: int, person_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The text and keyboard of one page, newest first; None if the page or the person
    does not exist (any more) in this class."""
    row = await classes.by_id(context.db, class_id)
    if row is None or page < 0:
        return None
    who = None
    if person_id:
        named = await records.member(context.db, class_id, person_id)
        if named is None:
            return None
        who = named
    entries, total = await records.audit_page(
        context.db, class_id, person_id=person_id or None, offset=page * PAGE, limit=PAGE
    )
    pages = max(1, -(-total // PAGE))
    if page >= pages:
        return None
    labels = Labels(context.texts, context.locale)
    titles = {s.id: s.title for s in await records.timetable(context.db, class_id)}
    zone = ZoneInfo(row.timezone)
    lines: list[dict[str, Any]] = []
    for entry in entries:
        at, actor, action, about, before, after, reason, _ = describe(
            lambda m: m.astimezone(zone).replace(tzinfo=None),
            row.name,
            labels,
            entry,
            titles,
        )
        lines.append(
            {
                "at": f"{at:%m-%d %H:%M}",
                "actor": actor,
                "action": action,
                "about": about,
                "before": before,
                "after": after,
                "reason": reason,
            }
        )
    text = context.t(
        "records.audit_page",
        class_name=row.name,
        who=who,
        entries=lines,
        page=page + 1,
        pages=pages,
        total=total,
    )
    nav = []
    if page > 0:
        nav.append((context.label("records.newer"), AuditPage(class_id, person_id, page - 1)))
    if page + 1 < pages:
        nav.append((context.label("records.older"), AuditPage(class_id, person_id, page + 1)))
    return text, keyboard([nav]) if nav else None
