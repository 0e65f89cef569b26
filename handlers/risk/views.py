"""The at-risk view's figures and text: every trainee of a class, at risk first.

Read in a few queries for a whole class (900 trainees, a hundred sessions): every record of
every closed session at once, every approved leave at once. The text is cut to fit one
Telegram message (4096 UTF-16 units): the trainees at risk first, the rest counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.permissions import Capability, roles_for
from bot.rules import attendance, leave_limit, risk
from bot.rules.locales import Locale
from bot.rules.record import best_rate
from bot.texts import Texts
from handlers.leave.info import ClassInfo
from storage import classes, leave, sessions
from storage.db import Queryable

# Telegram counts UTF-16 code units; leave room for what the template adds around lines.
MAX_UNITS = 4000
MAX_LINES = 40


def utf16_len(text: str) -> int:
    """The length of a text as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


async def trainees_of(db: Queryable, info: ClassInfo, now: datetime) -> list[risk.Trainee]:
    """Every active trainee of the class with their figures at ``now``."""
    settings = info.settings
    zone = ZoneInfo(info.row.timezone)
    total = await sessions.class_hours(db, info.row.id)
    limit = leave_limit.limit_hours(total, settings.leave_limit_ratio)
    rules = attendance.rules_of(settings)
    leave_by = await leave.approved_hours_of_class(db, info.row.id)
    missed: dict[int, Fraction] = defaultdict(Fraction)
    attended: dict[int, Fraction] = defaultdict(Fraction)
    days: dict[int, set] = defaultdict(set)
    closed_hours: dict[int, Fraction] = {}
    for fact in await leave.trainees_of_class(db, info.row.id, now):
        w = attendance.windows(fact.starts_at, fact.ends_at, rules)
        if not attendance.is_closed(now, w):
            continue  # not final yet: still to come for the best rate
        closed_hours[fact.session_id or 0] = fact.hours
        record = attendance.Record(
            fact.checkin_at,
            fact.checkout_at,
            attendance.Status(fact.override_status) if fact.override_status else None,
        )
        outcome = attendance.status(
            record, w, on_leave=fact.on_leave, double_checkin=settings.double_checkin, now=now
        )
        if outcome.status is attendance.Status.ABSENT:
            missed[fact.person_id] += fact.hours
            days[fact.person_id].add(fact.starts_at.astimezone(zone).date())
        elif outcome.status in attendance.ATTENDED:
            attended[fact.person_id] += fact.hours
    to_come = total - sum(closed_hours.values(), Fraction(0))
    trainees = roles_for(Capability.ASK_LEAVE)
    found = []
    for entry in await classes.roster(db, info.row.id):
        if entry.roles.isdisjoint(trainees):
            continue
        pid = entry.person_id
        counted, _ = leave_limit.split_counted(leave_by.get(pid, {}), settings.leave_type_counts)
        absent = missed[pid] if settings.absence_counts_toward_limit else Fraction(0)
        found.append(
            risk.Trainee(
                pid,
                entry.name,
                entry.unit,
                counted + absent,
                limit,
                frozenset(days[pid]),
                best_rate(attended[pid], to_come, total),
            )
        )
    return found


def render(texts: Texts, locale: Locale, info: ClassInfo, trainees: list[risk.Trainee]) -> str:
    """The list as one message: counts, then the trainees at risk first (capped to fit)."""
    alert = info.settings.absence_days_alert
    ordered = risk.ranked(trainees, alert)
    limit = leave_limit.show(trainees[0].limit) if trainees else "0"
    lines = [
        {
            "name": t.name,
            "unit": t.unit,
            "percent": t.percent,
            "used": leave_limit.show(t.used),
            "band": t.band,
            "days": len(t.absence_days),
            "best": t.best_rate,
            "flagged": t.flagged(alert),
        }
        for t in ordered
    ]
    # On a phone, a line per trainee with nothing to report buries the few who matter:
    # those are counted in one line instead.
    clear = sum(1 for line in lines if line["used"] == "0" and not line["days"])
    lines = [line for line in lines if line["used"] != "0" or line["days"]]
    shown = min(MAX_LINES, len(lines))
    while True:
        text = texts.render(
            locale,
            "risk.list",
            class_name=info.row.name,
            counts=risk.counts(trainees, alert),
            total=len(trainees),
            limit=limit,
            alert=alert,
            lines=lines[:shown],
            more=len(lines) - shown,
            clear=clear,
        )
        if utf16_len(text) <= MAX_UNITS or shown == 0:
            return text
        shown = shown * 3 // 4
