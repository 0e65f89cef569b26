"""Corrections by trainees (补卡): a request to correct one's status in a past session,
decided by the class managers like a leave request.

Modules: ask (/fix and the /me button: the session and the status asked), write (the
reason, the evidence, the preview, sending), decide (Approve /
Reject with a reason, cancel); flows (the work inside one transaction), notify (the cards
and notices through the outbox), views (the card, the picker). The corrections class
managers make themselves are in the roll call (handlers/checkin/marks.py).
"""

from __future__ import annotations

from telegram.ext import Application

from bot.buttons import FixApprove, FixCancel, FixOpen, FixPick, FixReject, FixStatus, FixStep
from handlers import inputs
from handlers.common import on_command, on_press
from handlers.corrections import ask, decide, write
from storage.forms import FormKind

PLANNERS = ()


def register(app: Application) -> None:
    """Add /fix, the correction buttons, and what the correction forms wait for."""
    on_command(app, "fix", ask.start, refusal="fix.not_trainee")
    on_press(app, ask.pressed_open, FixOpen)
    on_press(app, ask.pressed_pick, FixPick)
    on_press(app, ask.pressed_status, FixStatus)
    on_press(app, write.pressed_step, FixStep)
    on_press(app, decide.pressed_approve, FixApprove)
    on_press(app, decide.pressed_reject, FixReject)
    on_press(app, decide.pressed_cancel, FixCancel)
    # A manager's reason comes before the trainee's own form: one person may be both.
    inputs.accept(app, FormKind.CORRECTION_REJECT, decide.typed_reason)
    inputs.accept(app, FormKind.CORRECTION, write.typed)
