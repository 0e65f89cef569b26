"""Importing a class from an .xlsx workbook or a folder of CSV files, without side effects.

``load_class_plan`` reads the sheets ``class``, ``roster`` and ``schedule`` (or 班次, 名单 /
花名册, 课表) and returns a checked ClassPlan, or raises ImportRefused listing every problem
by sheet, row and column. Nothing here touches the database or Telegram; storage/imports.py
writes the plan.

Decisions where the format leaves room:

- The header row is the first row that names a known column among the first ten, so a
  title row above the headers is fine; rows keep their spreadsheet numbers.
- Headers match in English or Chinese, any case, ignoring surrounding spaces, full-width
  forms and a trailing ``*`` (a common "required" marker). Extra columns are ignored in the
  roster and schedule; in the class sheet they are a problem, since every column there is
  a setting and a misspelt one would silently keep its default.
- An instructor is looked up by name among roster people; names match ignoring spaces
  (Chinese tables pad two-character names with spaces). A name not on the roster is
  ``unknown_instructor``; one on it without the instructor role is ``not_instructor``
  (refused, not promoted: the role is what shows rating summaries); two roster
  instructors with the same name is ``ambiguous_instructor``.
- A duplicate phone is reported on the later row, naming the first. That row still names
  an instructor for the schedule, so one mistake gives one message, not one per session.
- Two schedule rows with the same title and start are refused unless both have an
  ``id``: without one, the next import could not tell them apart.
- ``hours`` left empty is derived from the session's length: clock hours, rounded to the
  nearest half hour, halves rounding up (2.75 h counts 3).
- A CSV that is not UTF-8 is read as GB18030, which is what Excel on Chinese Windows
  writes unless "CSV UTF-8" is chosen.
- A roster or schedule with no rows is refused: a class needs people and sessions.
- graduation: a file may add the sheets ``assessment`` and ``scores`` (考核方案, 成绩;
  bot/importer/assessment.py), or hold them alone to update a class already imported
  (``grades_only``, then ``build_grades_plan`` against the class as stored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.importer.model import (
    ClassPlan,
    GradesPlan,
    ImportRefused,
    PersonPlan,
    Problem,
    ScoreRow,
    SessionPlan,
)
from bot.importer.readers import Sheets, grades_only, read_source
from bot.importer.table import Progress
from bot.importer.validate import build_grades_plan, build_plan
from bot.rules.grades import Component
from bot.rules.locales import Locale
from bot.texts import Texts

__all__ = [
    "ClassPlan",
    "GradesPlan",
    "ImportRefused",
    "PersonPlan",
    "Problem",
    "ScoreRow",
    "SessionPlan",
    "Sheets",
    "build_grades_plan",
    "build_plan",
    "describe_problem",
    "grades_only",
    "load_class_plan",
    "read_source",
]


def load_class_plan(
    path: Path,
    *,
    default_timezone: str = "Asia/Shanghai",
    progress: Progress | None = None,
    schemes: Mapping[str, Sequence[Component]] | None = None,
) -> ClassPlan:
    """Read and check a class file or folder; raise ImportRefused listing every problem."""
    sheets, problems = read_source(Path(path))
    return build_plan(
        sheets, problems, default_timezone=default_timezone, progress=progress, schemes=schemes
    )


def describe_problem(texts: Texts, locale: Locale, problem: Problem) -> str:
    """One line for a person: where the problem is and what to fix."""
    return texts.plain(
        locale,
        "cli.problem",
        code=problem.code,
        sheet=problem.sheet,
        row=problem.row,
        column=problem.column,
        params=dict(problem.params),
    )
