"""Checking the graduation sheets: the assessment scheme (考核方案) and the scores (成绩).

The scheme lists components and their weights, which sum to 100; a component named
attendance / 出勤 / 考勤 is computed from the record and takes no scores. The scores sheet has
a trainee's phone and name, then one column per typed component, headed by its name as the
scheme writes it (any case, full-width or not). An empty score cell gives no score: scores
arrive as they are marked, and a later file fills in the rest, keeping what was imported
before.

Where the format leaves room:

- A row's phone finds the trainee; the name must be theirs too (names compared ignoring
  spaces), so a mistyped phone that happens to be someone else's is caught.
- Only active trainees of the class take scores: staff, people who left the class and
  strangers are refused, by row.
- A score column no component names is refused, like an unknown setting: a misspelt
  component would silently stay without scores.
- Scores are 0 to 100 with at most two decimals; weights are above 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from bot.importer.model import Problem, ScoreRow
from bot.importer.roster import read_phone
from bot.importer.table import Table
from bot.importer.values import name_key, text
from bot.rules.grades import (
    MAX_COMPONENT_CHARS,
    Component,
    fold,
    parse_score,
    scheme_problems,
)


def check_assessment(table: Table | None) -> tuple[Component, ...] | None:
    """The scheme the sheet lists, or None if there is no sheet or it has problems."""
    if table is None or table.empty:
        return None
    before = len(table.problems)
    components: list[Component] = []
    first_row: dict[str, int] = {}
    for row in table.rows:
        name = table.text(row, "component") if table.required(row, "component") else ""
        written = table.text(row, "weight")
        weight = None
        if table.required(row, "weight") is not None:
            weight = parse_score(written)
            if weight is None or weight == 0:
                table.problem(row, "weight", "bad_weight", value=written)
                weight = None
        if name and len(name) > MAX_COMPONENT_CHARS:
            table.problem(row, "component", "too_long", max=str(MAX_COMPONENT_CHARS))
            continue
        if name:
            first = first_row.setdefault(fold(name), row.number)
            if first != row.number:
                table.problem(
                    row, "component", "duplicate_component", value=name, first_row=str(first)
                )
                continue
        if name and weight is not None:
            components.append(Component(name, weight))
    if len(table.problems) > before:
        return None  # the whole-scheme checks would only repeat the rows' problems
    for code, params in scheme_problems(components):
        table.problem(None, "weight" if code == "weights_not_100" else None, code, **params)
    return tuple(components) if len(table.problems) == before else None


def check_scores(
    table: Table | None,
    scheme: Sequence[Component] | None,
    trainees: Mapping[str, str],
) -> tuple[ScoreRow, ...] | None:
    """The scores of each row; ``trainees`` is the class's active trainees, phone -> name.

    None if there is no sheet. Problems are recorded on the table.
    """
    if table is None or table.empty:
        return None
    if not scheme:
        table.problem(None, None, "no_scheme")
        return ()
    columns = _score_columns(table, scheme)
    rows: list[ScoreRow] = []
    first_row: dict[str, int] = {}
    for row in table.rows:
        before = len(table.problems)
        phone = read_phone(table, row)
        if phone is not None:
            first = first_row.setdefault(phone, row.number)
            if first != row.number:
                table.problem(row, "phone", "duplicate_row", value=phone, first_row=str(first))
            elif phone not in trainees:
                table.problem(row, "phone", "not_in_class", value=phone)
            elif table.required(row, "name") is not None and name_key(
                table.text(row, "name")
            ) != name_key(trainees[phone]):
                table.problem(
                    row,
                    "name",
                    "name_mismatch",
                    value=table.text(row, "name"),
                    expected=trainees[phone],
                )
        scores: list[tuple[str, Fraction]] = []
        for component, written, position in columns:
            typed = text(row.values[position]) if position < len(row.values) else ""
            if not typed:
                continue
            score = parse_score(typed)
            if score is None:
                table.problems.append(
                    Problem("bad_score", table.sheet, row.number, written, {"value": typed})
                )
            else:
                scores.append((component.name, score))
        if len(table.problems) == before and phone is not None:
            rows.append(ScoreRow(row.number, phone, tuple(scores)))
    return tuple(rows)


def _score_columns(table: Table, scheme: Sequence[Component]) -> list[tuple[Component, str, int]]:
    """The scheme's typed components among the sheet's other columns: (component, header
    as written, position); a column no component names, or the computed one, is a problem."""
    by_name = {fold(c.name): c for c in scheme}
    typed = "、".join(c.name for c in scheme if not c.computed)
    found: list[tuple[Component, str, int]] = []
    refused = False
    for written, position in table.header.unknown_at.items():
        component = by_name.get(fold(written))
        code = (
            "unknown_component"
            if component is None
            else "computed_component"
            if component.computed
            else None
        )
        if code is None and component is not None:
            found.append((component, written, position))
        else:
            refused = True
            table.problems.append(
                Problem(code or "", table.sheet, table.header.row, written, {"choices": typed})
            )
    if not found and not refused:
        table.problem(None, None, "no_score_columns", choices=typed)
    return found
