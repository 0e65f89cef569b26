"""What waits for a decision (/pending): leave requests and correction requests (补卡).

One module: show. The cards come from the views of the features that own the requests
(leave, corrections); this package only puts them in one answer. Nothing is written.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers.common import on_command
from handlers.pending import show

PLANNERS = ()


def register(app: Application) -> None:
    """Add /pending."""
    on_command(app, "pending", show.pending_command, refusal="pending.not_allowed")
