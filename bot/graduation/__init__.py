"""Graduation (结业考核, 结业证书): each trainee's final assessment as the database says now,
and the certificates, for the bot and the command line alike.

``outcomes_of_class`` reads a whole class at once and grades it (bot/rules/grades.py);
``certificates`` computes a certificate's verification code and writes its .docx. The bot's
/grades, publication and /verify (handlers/grades/) and the command line
(``trainee-bot certificates``, the records export) all go through these.
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
