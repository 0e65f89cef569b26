"""Checking the roster sheet: names, phones, roles; and finding instructors by name."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from bot.importer.model import PersonPlan
from bot.importer.readers import RawRow
from bot.importer.table import Progress, Table
from bot.importer.values import name_key, split_list
from bot.rules.phones import normalize_phone
from bot.rules.roles import Role, parse_role


@dataclass
class Instructors:
    """Who a schedule's instructor cell can name: roster people by name, roles attached."""

    usable: bool = True  # False when the roster could not be read: nothing can be checked
    # name key -> (phone, holds the instructor role) of each row that became a person
    by_name: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    # Name keys of rows refused for a problem of their own (a bad or duplicate phone, an
    # unknown role): a session naming them would only repeat the roster's message, so
    # one mistake gives one message; the next import checks them again.
    refused: set[str] = field(default_factory=set)

    def resolve(self, name: str) -> tuple[str | None, str | None]:
        """The phone for an instructor name, or a problem code; (None, None) if the row was bad."""
        key = name_key(name)
        people = self.by_name.get(key, [])
        teaching = [phone for phone, is_instructor in people if is_instructor]
        if len(teaching) > 1:
            return None, "ambiguous_instructor"
        if teaching:
            return teaching[0], None
        if key in self.refused:
            return None, None
        # On the roster without the instructor role: refused rather than promoted, because
        # the role is what shows someone the rating summaries of a lecture.
        return None, "not_instructor" if people else "unknown_instructor"


def check_roster(
    table: Table | None, progress: Progress | None
) -> tuple[list[PersonPlan], Instructors]:
    """Turn roster rows into people; every bad cell is recorded on the table."""
    if table is None or table.empty:
        return [], Instructors(usable=False)
    if not table.rows:
        table.problem(None, None, "no_rows")
    people: list[PersonPlan] = []
    # Without names, every instructor would look unknown: say nothing rather than noise.
    instructors = Instructors(usable=all(table.has(c) for c in ("name", "phone", "role")))
    first_row_of_phone: dict[str, int] = {}
    for done, row in enumerate(table.rows, start=1):
        before = len(table.problems)
        name = table.text(row, "name") if table.required(row, "name") is not None else ""
        phone = read_phone(table, row)
        if phone is not None:
            first = first_row_of_phone.setdefault(phone, row.number)
            if first != row.number:
                # Named on the later row, pointing at the first, so both can be found.
                table.problem(row, "phone", "duplicate_phone", value=phone, first_row=str(first))
        roles = _roles(table, row)
        unit = table.text(row, "unit") or None
        if len(table.problems) == before:
            person = PersonPlan(row.number, name, phone or "", frozenset(roles), unit)
            people.append(person)
            instructors.by_name.setdefault(name_key(name), []).append(
                (person.phone, Role.INSTRUCTOR in person.roles)
            )
        elif name:
            instructors.refused.add(name_key(name))
        table.report(progress, done)
    return people, instructors


def read_phone(table: Table, row: RawRow) -> str | None:
    """A row's phone number, normalised; an empty or bad one is a problem (None)."""
    if table.required(row, "phone") is None:
        return None
    written = table.text(row, "phone")
    phone = normalize_phone(written)
    if phone is None:
        table.problem(row, "phone", "bad_phone", value=written)
    return phone


def _roles(table: Table, row: RawRow) -> set[Role]:
    if table.required(row, "role") is None:
        return set()
    parts = split_list(unicodedata.normalize("NFKC", table.text(row, "role")))
    if not parts:
        # Only separators ("、"): as empty as a blank cell, and a person needs a role.
        table.problem(row, "role", "missing_value")
    roles: set[Role] = set()
    for part in parts:
        role = parse_role(part)
        if role is None:
            table.problem(row, "role", "unknown_role", value=part)
        else:
            roles.add(role)
    return roles
