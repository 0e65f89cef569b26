"""Check-in and check-out (双签到): the trainee's commands and proofs, the manager's /code.

Modules: trainee (/checkin, the reminder's button, code and location proofs), checkout
(/checkout), code (/code and its refresh job), notices (lock-outs, the close summary planner).
"""

from __future__ import annotations

from telegram import Message
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Action, unpack
from bot.rules import checkin_code
from handlers.checkin import checkout, code, notices, trainee
from handlers.common import PRIVATE

plan_jobs = notices.plan_close_jobs


class _CodeAttempt(filters.MessageFilter):
    """Short text of digits and spaces (4 to 8 digits): a code, or an attempt at one."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and checkin_code.looks_like_code(message.text)


_CODE_TEXT = _CodeAttempt(name="checkin.code_attempt")


def _action_in(*actions: Action):
    def matches(data: object) -> bool:
        decoded = unpack(data) if isinstance(data, str) else None
        return decoded is not None and decoded.action in actions

    return matches


def register(app: Application) -> None:
    """Add the check-in commands, buttons, proofs, and the code refresh job."""
    app.add_handler(CommandHandler("checkin", trainee.checkin_command, filters=PRIVATE))
    app.add_handler(CommandHandler("checkout", checkout.checkout_command, filters=PRIVATE))
    app.add_handler(CommandHandler("code", code.code_command, filters=PRIVATE))
    app.add_handler(
        CallbackQueryHandler(trainee.checkin_button, pattern=_action_in(Action.CHECKIN))
    )
    app.add_handler(
        CallbackQueryHandler(
            checkout.checkout_button,
            pattern=_action_in(Action.CHECKOUT, Action.CHECKOUT_EARLY),
        )
    )
    app.add_handler(
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND & _CODE_TEXT, trainee.code_text)
    )
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, trainee.location_shared))
    if app.job_queue is not None:
        # Derived from the database on every run, so a restart only re-creates this job.
        app.job_queue.run_repeating(
            code._refresh_job,
            interval=code.REFRESH_EVERY_SECONDS,
            first=code.REFRESH_EVERY_SECONDS,
            name=code.JOB_NAME,
        )
