"""The sandbox's movable clock over HTTP: ``GET`` and ``POST /control/clock``.

``POST {"minutes": 15}`` moves it forward by minutes; ``{"to": "next-session"}`` to the start
of the next session, ``{"to": "next-morning"}`` to 08:00 tomorrow in the class's time zone,
``{"to": "2026-12-08T09:00+08:00"}`` to a moment. The scheduler runs the jobs due in between
in order, each at its own moment (bot/scheduler.py ``advance_to``). Never backwards.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import MovableClock
from bot.sandbox.state import SANDBOX_KEY, Sandbox, json_response
from storage import sessions

# Far enough for a two-week class and its rating windows; a typo of minutes is refused.
AT_MOST = timedelta(days=60)
MORNING = time(8, 0)  # after the morning digest (07:30 by default), before the first reminder
NEXT_SESSION_WITHIN = timedelta(days=60)


class BadMove(Exception):
    """The move asked for is malformed or impossible: answered 400 with the reason."""


def _local(sandbox: Sandbox, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(sandbox.demo.plan.timezone)).isoformat(timespec="seconds")


async def _next_session(sandbox: Sandbox, now: datetime) -> datetime | None:
    app = sandbox.app
    if app is None:
        return None
    upcoming = await sessions.starting_between(app.bot_data.db, now, now + NEXT_SESSION_WITHIN)
    return upcoming[0].starts_at if upcoming else None


async def clock_state(sandbox: Sandbox) -> dict[str, Any]:
    """What the page shows: the sandbox's time (local to the class) and where it can go."""
    now = sandbox.clock.now()
    following = await _next_session(sandbox, now)
    offset = sandbox.clock.offset if isinstance(sandbox.clock, MovableClock) else timedelta(0)
    return {
        "ok": True,
        "now": _local(sandbox, now),
        "timezone": sandbox.demo.plan.timezone,
        "movable": isinstance(sandbox.clock, MovableClock) and sandbox.app is not None,
        "ahead_minutes": int(offset.total_seconds() // 60),
        "next_session": None if following is None else _local(sandbox, following),
    }


async def _target(sandbox: Sandbox, body: dict[str, Any], now: datetime) -> datetime:
    """The moment a move asks for, checked: forward, not absurdly far."""
    if ("minutes" in body) == ("to" in body):
        raise BadMove('give either "minutes" (a number) or "to"')
    if "minutes" in body:
        minutes = body["minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise BadMove("minutes must be a number")
        if not math.isfinite(minutes) or minutes <= 0:
            raise BadMove("minutes must be more than 0: the clock only moves forward")
        if minutes > AT_MOST.total_seconds() / 60:
            raise BadMove(f"at most {int(AT_MOST.total_seconds() // 60)} minutes at once")
        return now + timedelta(minutes=minutes)
    to = body["to"]
    if to == "next-session":
        following = await _next_session(sandbox, now)
        if following is None:
            raise BadMove("no session starts after now")
        return following
    if to == "next-morning":
        zone = ZoneInfo(sandbox.demo.plan.timezone)
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, MORNING, zone)
    if not isinstance(to, str):
        raise BadMove('"to" must be "next-session", "next-morning" or an ISO time')
    try:
        moment = datetime.fromisoformat(to)
    except ValueError:
        raise BadMove('"to" must be "next-session", "next-morning" or an ISO time') from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(sandbox.demo.plan.timezone))
    if moment <= now:
        raise BadMove("that moment has passed: the clock only moves forward")
    if moment - now > AT_MOST:
        raise BadMove(f"at most {AT_MOST.days} days at once")
    return moment


async def get_clock(request: web.Request) -> web.StreamResponse:
    """GET /control/clock: the sandbox's current time."""
    return json_response(await clock_state(request.app[SANDBOX_KEY]))


async def move_clock(request: web.Request) -> web.StreamResponse:
    """POST /control/clock: move forward, running the jobs due in between; the new time."""
    sandbox = request.app[SANDBOX_KEY]
    try:
        body = await request.json()
    except ValueError:
        return json_response({"ok": False, "error": "the body must be JSON"}, 400)
    if not isinstance(body, dict):
        return json_response({"ok": False, "error": "the body must be a JSON object"}, 400)
    if sandbox.app is None or not isinstance(sandbox.clock, MovableClock):
        return json_response({"ok": False, "error": "this clock cannot be moved"}, 409)
    now = sandbox.clock.now()
    try:
        target = await _target(sandbox, body, now)
    except BadMove as error:
        return json_response({"ok": False, "error": str(error)}, 400)
    ran = await sandbox.app.bot_data.scheduler.advance_to(target)
    sandbox.changed()
    return json_response({**await clock_state(sandbox), "ran": ran})


def add_routes(app: web.Application) -> None:
    """Register the clock's routes."""
    app.router.add_get("/control/clock", get_clock)
    app.router.add_post("/control/clock", move_clock)
