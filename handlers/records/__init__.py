"""Records (issue 15): a class's workbook and training files (/export), its audit log
(/audit), and an instructor's report for their home unit (/report).

Modules: export (/export and its class buttons), audit (/audit, paged), report (/report),
views (the audit log's lines and keyboards). Nothing is written but the update's claim, so
a redelivered command sends nothing twice: no flows. The documents themselves are built by
bot/records/, which the command line's ``trainee-bot export`` uses too.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.buttons import AuditPage, ExportClass
from handlers.common import on_command, on_press
from handlers.records import audit, export, report

PLANNERS = ()


def register(app: Application) -> None:
    """Add /export, /audit, /report and their buttons."""
    on_command(app, "export", export.export_command, refusal="records.export_not_allowed")
    on_press(app, export.pressed_export, ExportClass)
    on_command(app, "audit", audit.audit_command, refusal="records.audit_not_allowed")
    on_press(app, audit.pressed_page, AuditPage)
    on_command(app, "report", report.report_command, refusal="records.report_not_allowed")
