"""Leave (请假) and report-back (销假), with approval in chat and the one-seventh rule.

Modules: ask (the /leave form: sessions, type), write (reason, attachment, preview, send),
behalf (/leave NAME: a class manager records a trainee's leave), decide (Approve / Reject,
the reason, the cards /pending lists), back (cancel, withdraw, /back), dismissal (the
decision over the limit); flows, decisions, recorded and limit (the work inside one
transaction), notify (what goes to others through the outbox), views (template values and
keyboards), jobs (nudges, expiry, report-back).
"""

from __future__ import annotations

from telegram.ext import Application

from bot.buttons import (
    LeaveApprove,
    LeaveBack,
    LeaveCancel,
    LeaveDay,
    LeaveForm,
    LeaveKind,
    LeavePick,
    LeaveReject,
    LimitDecide,
)
from handlers import inputs
from handlers.common import on_command, on_press
from handlers.leave import ask, back, behalf, changes, decide, dismissal, jobs, write
from storage.forms import FormKind

PLANNERS = (jobs.plan,)
# Told of every class import the scheduler finds in the audit log (another process made it).
IMPORT_WATCHERS = (changes.close_requests_of_removed,)


def register(app: Application) -> None:
    """Add /leave, /back, the leave buttons, and what the leave forms wait for."""
    on_command(app, "leave", behalf.leave_command, refusal="leave.no_class")
    on_command(app, "back", back.back_command, refusal="leave.no_class")
    on_press(app, ask.pressed_pick, LeavePick, LeaveDay)
    on_press(app, ask.pressed_step, LeaveForm)
    on_press(app, ask.pressed_kind, LeaveKind)
    on_press(app, back.pressed_cancel, LeaveCancel)
    on_press(app, back.pressed_back, LeaveBack)
    on_press(app, decide.pressed_approve, LeaveApprove)
    on_press(app, decide.pressed_reject, LeaveReject)
    on_press(app, dismissal.pressed, LimitDecide)
    # A decider's reason comes before the trainee's own form: one person may be both.
    inputs.accept(app, FormKind.LEAVE_REJECT, decide.typed_reason)
    inputs.accept(app, FormKind.LEAVE_LIMIT, dismissal.typed_reason)
    inputs.accept(app, FormKind.LEAVE, write.typed)
