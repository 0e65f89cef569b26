"""What an import produces: a validated class plan, or every problem found in the file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from bot.rules.class_settings import ClassSettings, to_json
from bot.rules.grades import Component
from bot.rules.roles import Role

# The sheets a class file must have, in the order a person reads the workbook.
SHEETS: tuple[str, ...] = ("class", "roster", "schedule")
# graduation: sheets a file may add, or hold alone to update a class already imported.
GRADES_SHEETS: tuple[str, ...] = ("assessment", "scores")
# The order problems are listed in.
ORDER: tuple[str, ...] = SHEETS + GRADES_SHEETS


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, located by sheet, row and column."""

    code: str
    sheet: str  # "class" | "roster" | "schedule", whatever the file called it
    row: int | None  # the row number a spreadsheet shows (header = 1); None: whole sheet
    column: str | None  # the header as written in the file, so the user can find it
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonPlan:
    """One roster row: a person and their roles in the class."""

    row: int
    name: str
    phone: str  # normalised by bot.phones.normalize_phone
    roles: frozenset[Role]
    unit: str | None


@dataclass(frozen=True)
class SessionPlan:
    """One timetable row: a lecture or activity with its instructors."""

    row: int
    external_id: str | None  # the id/编号 column
    title: str
    instructor_phones: tuple[str, ...]  # resolved through the roster, in the order written
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    location: str | None
    hours: float


@dataclass(frozen=True)
class ScoreRow:
    """One row of the scores sheet: a trainee and the scores it gives (empty cells: none)."""

    row: int
    phone: str
    scores: tuple[tuple[str, Fraction], ...]  # the scheme's component name, the score


@dataclass(frozen=True)
class GradesPlan:
    """The graduation sheets of a file, checked: a new scheme and/or scores (None: absent)."""

    assessment: tuple[Component, ...] | None
    scores: tuple[ScoreRow, ...] | None


@dataclass(frozen=True)
class ClassPlan:
    """A whole class, checked and ready to be written."""

    name: str
    start_date: date
    end_date: date
    timezone: str
    settings: ClassSettings
    people: tuple[PersonPlan, ...]
    sessions: tuple[SessionPlan, ...]
    grades: GradesPlan = GradesPlan(None, None)  # the file's assessment and scores sheets

    @property
    def settings_json(self) -> str:
        """The settings as the database keeps them (storage/imports.py writes this)."""
        return to_json(self.settings)


class ImportRefused(Exception):
    """The file was refused whole; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(f"import refused: {len(self.problems)} problem(s)")
