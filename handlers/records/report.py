"""/report NAME [FROM TO]: an instructor's rating report for their home unit, as a Word
document, for admins (seed 004: results go back to the unit for its yearly appraisal).

A new entry point beside /instructors, which stays the school's table: this one is one
instructor over a period (the last year by default), every lecture, the trend by month and
the comments, never who rated what.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import Context
from bot.records import report
from bot.records.export import safe_name
from handlers.common import viewer_of
from storage import records, updates

DEFAULT_PERIOD = timedelta(days=365)
MAX_NAME = 40
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse(args: list[str], now: datetime, zone: ZoneInfo) -> tuple[str, datetime, datetime] | None:
    """(name, start, end) from 'NAME [YYYY-MM-DD YYYY-MM-DD]' (the end day included)."""
    if len(args) >= 3 and _DAY.fullmatch(args[-1]) and _DAY.fullmatch(args[-2]):
        try:
            first, last = date.fromisoformat(args[-2]), date.fromisoformat(args[-1])
        except ValueError:
            return None
        if last < first:
            return None
        name = " ".join(args[:-2]).strip()
        start = datetime.combine(first, time(0), zone)
        end = datetime.combine(last + timedelta(days=1), time(0), zone)
    else:
        if any(_DAY.fullmatch(a) for a in args):
            return None
        name, start, end = " ".join(args).strip(), now - DEFAULT_PERIOD, now
    if not name or len(name) > MAX_NAME:
        return None
    return name, start, end


async def report_command(update: Update, context: Context) -> None:
    """Send the report of the one instructor the name designates."""
    message = update.effective_message
    if await updates.was_processed(context.db, update.update_id):
        return
    viewer_of(context)
    zone = ZoneInfo(context.bot_data.config.timezone)
    now = context.bot_data.clock.now()
    parsed = parse(list(context.args or []), now, zone)
    if parsed is None:
        await message.reply_text(context.t("records.report_usage"))
        return
    name, start, end = parsed
    found = await records.instructors_named(context.db, name)
    if not found:
        await message.reply_text(context.t("records.report_nobody", name=name))
        return
    if len(found) > 1:
        names = [f"{n}（{u}）" if u else n for _, n, u in found[:10]]
        await message.reply_text(context.t("records.report_several", name=name, names=names))
        return
    pid, full_name, unit = found[0]
    first, last = (
        start.astimezone(zone),
        (min(end, now) - timedelta(microseconds=1)).astimezone(zone),
    )
    period = f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"
    lectures = await report.lectures_of(context.db, pid, start, end, now)
    if not lectures:
        await message.reply_text(context.t("records.report_none", name=full_name, period=period))
    else:
        data = await report.document(
            context.db,
            report.Instructor(pid, full_name, unit),
            lectures,
            period,
            context.texts,
            context.locale,
            now,
            zone,
            random.Random(),
        )
        await message.reply_document(
            document=data,
            filename=f"{safe_name(full_name)}-{first:%Y%m%d}-{last:%Y%m%d}.docx",
            caption=context.t("records.report_sent", name=full_name, period=period),
        )
    await context.db.write(lambda tx: updates.claim(tx, update.update_id, now))
