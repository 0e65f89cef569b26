"""Check-in and check-out (双签到), the roll call, and one's own record.

Modules: trainee (/checkin and its button), proofs (a code typed, a location shared),
record (the step every check-in ends with), checkout (/checkout), code (the manager's /code),
roll (/roll and hand markings), me (/me); flows (the work inside one transaction), views
(rules of a session, the roll, keyboards, summaries), jobs (the close summary and the code
refresh), sessions (the hot path's cache of today's sessions).
"""

from __future__ import annotations

from telegram import Message
from telegram.ext import Application, MessageHandler, filters

from bot.buttons import CheckIn, CheckOut, CheckOutEarly, RollMark, RollRefresh
from bot.rules import checkin_code
from handlers.checkin import checkout, code, jobs, me, proofs, roll, trainee
from handlers.common import PRIVATE, on_command, on_press

PLANNERS = (jobs.plan,)


class _CodeAttempt(filters.MessageFilter):
    """Short text of digits and spaces (4 to 8 digits): a code, or an attempt at one."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and checkin_code.looks_like_code(message.text)


_CODE_TEXT = _CodeAttempt(name="checkin.code_attempt")


def register(app: Application) -> None:
    """Add the check-in commands, buttons and proofs, /roll, /me, and the code refresh job."""
    on_command(app, "checkin", trainee.checkin_command, refusal="checkin.not_trainee")
    on_command(app, "checkout", checkout.checkout_command, refusal="checkin.not_trainee")
    on_command(app, "code", code.code_command, refusal="checkin.code_not_manager")
    on_press(app, trainee.pressed_checkin, CheckIn)
    on_press(app, checkout.pressed_checkout, CheckOut, CheckOutEarly)
    app.add_handler(
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND & _CODE_TEXT, proofs.code_text)
    )
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, proofs.location_shared))
    on_command(app, "roll", roll.roll_command, refusal="roll.not_allowed")
    on_press(app, roll.pressed_refresh, RollRefresh)
    on_press(app, roll.pressed_mark, RollMark)
    on_command(app, "me", me.me_command, refusal="me.not_trainee")
    if app.job_queue is not None:
        # Derived from the database on every run, so a restart only re-creates this job.
        app.job_queue.run_repeating(
            jobs.refresh_job,
            interval=jobs.REFRESH_EVERY_SECONDS,
            first=jobs.REFRESH_EVERY_SECONDS,
            name=jobs.REFRESH_JOB,
        )
