"""Rating each lecture (学员满意度测评), and the instructors' figures, never anyone's answers.

Modules: form (the form's buttons and the typed comment), progress (/rate), instructors
(/myratings, /instructors); flows (the form's state, the rating, the window's close inside
one transaction), views (texts and keyboards), jobs (prompt, reminder, summary), chart and
workbook (the summary's chart, the school's table as .xlsx).
"""

from __future__ import annotations

from telegram.ext import Application

from bot.buttons import RateAsk, RateComment, RateOpen, RateScore, RateSubmit
from handlers import inputs
from handlers.common import on_command, on_press
from handlers.ratings import form, instructors, jobs, progress
from storage.forms import FormKind

PLANNERS = (jobs.plan,)


def register(app: Application) -> None:
    """Add /rate, the form's buttons and its comment, /myratings and /instructors."""
    rate_refusal = "ratings.rate_not_allowed"
    on_command(app, "rate", progress.show_rate, refusal=rate_refusal, unbound=rate_refusal)
    on_press(app, form.pressed, RateOpen, RateScore, RateAsk, RateComment, RateSubmit)
    inputs.accept(app, FormKind.RATING, form.typed_comment)
    mine = "ratings.myratings_not_allowed"
    on_command(app, "myratings", instructors.show_my_ratings, refusal=mine, unbound=mine)
    table = "ratings.instructors_not_allowed"
    on_command(app, "instructors", instructors.show_instructors, refusal=table, unbound=table)
