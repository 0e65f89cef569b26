"""Check-in and check-out (双签到), the roll call, and one's own record.

Modules: trainee (/checkin and its button), scan (扫码签到: the QR code's /start link),
proofs (what a check-in must prove, a location shared), codes (a code typed or scanned),
record (the steps every check-in shares), checkout (/checkout), checkout_proofs (the proof a
check-out asks for), code (the manager's /code with its QR code), roll (/roll: the session
running, other sessions and days), marks (hand markings and corrections from the roll
call), me (/me in class hours and the list of sessions); flows and marking (the work
inside one transaction), views (rules of a session, the roll, keyboards, summaries, the QR
image), jobs (the close summary and the code refresh), sessions (the hot path's cache of
today's sessions).
"""

from __future__ import annotations

from telegram import Message
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import buttons
from bot.buttons import (
    CheckIn,
    CheckOut,
    CheckOutEarly,
    CheckOutStay,
    CodeShow,
    RollMark,
    RollRefresh,
)
from bot.rules import checkin_code
from handlers import inputs
from handlers.checkin import checkout, code, codes, jobs, marks, me, proofs, roll, scan, trainee
from handlers.common import PRIVATE, on_command, on_press
from storage.forms import FormKind

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
    on_press(app, code.pressed_show, CodeShow)
    # Before the account's /start (registered after this feature): a scanned check-in link.
    app.add_handler(CommandHandler("start", scan.scanned, filters=PRIVATE & scan.SCANNED))
    on_press(app, trainee.pressed_checkin, CheckIn)
    on_press(app, checkout.pressed_checkout, CheckOut, CheckOutEarly)
    on_press(app, checkout.pressed_stay, CheckOutStay)
    app.add_handler(
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND & _CODE_TEXT, codes.code_text)
    )
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, proofs.location_shared))
    on_command(app, "roll", roll.roll_command, refusal="roll.not_allowed")
    on_press(app, roll.pressed_refresh, RollRefresh, buttons.RollShow)
    on_press(app, roll.pressed_days, buttons.RollDays)
    on_press(app, roll.pressed_day, buttons.RollDay)
    on_press(app, marks.pressed_edit, buttons.RollEdit)
    on_press(app, marks.pressed_mark, RollMark)
    inputs.accept(app, FormKind.ROLL_MARK, marks.typed)
    on_command(app, "me", me.me_command, refusal="me.not_trainee")
    on_press(app, me.pressed_sessions, buttons.MeSessions, buttons.MePage)
    if app.job_queue is not None:
        # Derived from the database on every run, so a restart only re-creates this job.
        app.job_queue.run_repeating(
            jobs.refresh_job,
            interval=jobs.REFRESH_EVERY_SECONDS,
            first=jobs.REFRESH_EVERY_SECONDS,
            name=jobs.REFRESH_JOB,
        )
