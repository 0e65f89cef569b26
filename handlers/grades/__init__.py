"""Graduation (结业考核): the final assessment of a class, its publication, appraisals
(学员鉴定) and certificates (结业证书) anyone can verify.

Modules: show (/grades), publish (the button and its confirmation), score (/score: one
score typed in chat), appraise (/appraise and the text it waits for), verify (/verify, for
anyone), certificate (a graduate's certificate again, from /me); publication and certify
(publishing, in one transaction), flows (/score and /appraise, in one transaction), views
(template values), figures (what /me reads). The grading itself is bot/graduation/ and
bot/rules/grades.py.
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.buttons import AppraiseCancel, CertificateSend, GradesPublish
from handlers import inputs
from handlers.common import PRIVATE, on_command, on_press
from handlers.grades import appraise, certificate, publish, score, show, verify
from storage.forms import FormKind

PLANNERS = ()


def register(app: Application) -> None:
    """Add /grades, /score, /appraise, /verify, their buttons and the appraisal form."""
    on_command(app, "grades", show.grades_command, refusal="grades.not_allowed")
    on_command(app, "score", score.score_command, refusal="grades.no_class")
    on_command(app, "appraise", appraise.appraise_command, refusal="grades.no_class")
    # Anyone may check a certificate, bound to the bot or not: no gate.
    app.add_handler(CommandHandler("verify", verify.verify_command, filters=PRIVATE))
    on_press(app, publish.pressed_publish, GradesPublish)
    on_press(app, appraise.pressed_cancel, AppraiseCancel)
    on_press(app, certificate.pressed_send, CertificateSend)
    inputs.accept(app, FormKind.APPRAISAL, appraise.typed)
