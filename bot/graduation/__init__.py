"""Graduation (结业考核, 结业证书): each trainee's final assessment as the database says now,
and the certificates, for the bot and the command line alike.

``class_grades`` reads a whole class at once and grades it (bot/rules/grades.py);
``certificates`` computes a certificate's verification code and writes its .docx. The bot's
/grades, publication and /verify (handlers/grades/) and the command line
(``trainee-bot certificates``) go through these.

For the records export (the attendance summary sheet and each training file):

- ``await outcomes_of_class(db, class_id, now, secret=config.cert_secret)``: person id ->
  ``GradeOutcome``: ``final_score`` (a Fraction; ``rules.grades.show`` writes it), ``band``
  (优秀/良好/合格/不合格 as ``Band``), ``graduates``, ``reasons`` (``Reason``: dismissed,
  over_limit, failed), ``grade.components`` ((component, score or None) pairs), ``missing``,
  ``appraisal`` (学员鉴定 text or None), ``certificate`` (number, revision, revoked_at) and
  ``code``, ``told`` (the result as last published, None before) and ``changed``.
- ``await issued(db, class_id, config.cert_secret)``: every certificate not revoked, as
  (``CertificateContent``, code); ``certificate_document(texts, locale, content, code)``
  makes its .docx bytes and ``file_name(content)`` its name.
"""

from __future__ import annotations

from bot.graduation.certificates import (
    CertificateContent,
    certificate_document,
    certificate_secret,
    file_name,
    issued,
    verification_code,
)
from bot.graduation.outcomes import ClassGrades, GradeOutcome, class_grades, outcomes_of_class

__all__ = [
    "CertificateContent",
    "ClassGrades",
    "GradeOutcome",
    "certificate_document",
    "certificate_secret",
    "class_grades",
    "file_name",
    "issued",
    "outcomes_of_class",
    "verification_code",
]
