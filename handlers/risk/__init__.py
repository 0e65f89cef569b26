"""The at-risk view (/risk) for class managers and admins.

Modules: show (/risk and the 80% warning's button), views (the figures of a whole class,
read at once, and the capped text). Nothing is written: no flows.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.buttons import RiskShow
from handlers.common import on_command, on_press
from handlers.risk import show

PLANNERS = ()


def register(app: Application) -> None:
    """Add /risk and the warning's button."""
    on_command(app, "risk", show.risk_command, refusal="risk.not_allowed")
    on_press(app, show.pressed_show, RiskShow)
