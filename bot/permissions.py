"""Who may do what: one table from capabilities to roles, and the commands built on it.

Every check of a role goes through this table: a handler asks whether the viewer may
(``Viewer.may``) or in which classes (``Viewer.classes_where``) to choose what to offer,
and the write that acts asks the database again, in its own transaction (``holds``): a
button is not a permission, and a role can be taken away between the two. The command menu
and /help come from the same table (``commands_for``), so nobody is offered a command the
bot would then refuse. Who hears the bot's notices about a class comes from it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.rules.roles import Role
from storage import classes
from storage.db import Queryable


class Capability(StrEnum):
    """Something a person may do, or hear of, in a class."""

    SEE_ROSTER = "see_roster"  # who has bound their account (/roster)
    CHECK_IN = "check_in"  # check in and out, see one's own record (/checkin, /me)
    SHOW_CODE = "show_code"  # show the rotating check-in code (/code)
    SEE_ROLL = "see_roll"  # the roll call of any session of the class (/roll)
    MARK_ATTENDANCE = "mark_attendance"  # set or correct a trainee's status by hand (/roll)
    ASK_CORRECTION = "ask_correction"  # ask for a correction of one's record (补卡, /fix)
    DECIDE_CORRECTION = "decide_correction"  # approve or reject a correction request
    SEE_RISK = "see_risk"  # the trainees at risk: leave limit, unexcused absence (/risk)
    FOLLOW_CLASS = "follow_class"  # hear the class's summaries, lock-outs, warnings, digest
    ASK_LEAVE = "ask_leave"  # ask for leave and report back (/leave, /back)
    RECORD_LEAVE = "record_leave"  # record leave for a trainee who asked by phone (/leave NAME)
    DECIDE_LEAVE = "decide_leave"  # decide leave at the first level (班主任)
    DECIDE_LEAVE_SCHOOL = "decide_leave_school"  # decide leave at the second level (the school)
    DECIDE_OVER_LIMIT = "decide_over_limit"  # record 责令退学 / 准予继续 over the leave limit
    ANNOUNCE = "announce"  # send a notice to the class (/announce)
    RATE = "rate"  # rate the lectures one attended
    FOLLOW_RATINGS = "follow_ratings"  # see who has not rated yet (never what anyone rated)
    SEE_OWN_RATINGS = "see_own_ratings"  # an instructor's own figures (/myratings)
    SEE_INSTRUCTORS = "see_instructors"  # the instructors' table of one's classes
    SEE_ALL_INSTRUCTORS = "see_all_instructors"  # ... of every class of the school
    EXPORT_RECORDS = "export_records"  # the class's workbook and training files (/export)
    SEE_AUDIT = "see_audit"  # the class's audit log (/audit)
    REPORT_INSTRUCTOR = "report_instructor"  # an instructor's report for their unit (/report)
    SEE_GRADES = "see_grades"  # the final assessment of the class (/grades)
    GRADE = "grade"  # enter scores, write appraisals, publish the results (/score, /appraise)


_TABLE: Final[dict[Capability, frozenset[Role]]] = {
    Capability.SEE_ROSTER: frozenset({Role.MANAGER, Role.MONITOR, Role.ADMIN}),
    Capability.CHECK_IN: frozenset({Role.TRAINEE}),
    Capability.SHOW_CODE: frozenset({Role.MANAGER}),
    Capability.SEE_ROLL: frozenset({Role.MANAGER, Role.MONITOR, Role.ADMIN}),
    Capability.MARK_ATTENDANCE: frozenset({Role.MANAGER}),
    Capability.ASK_CORRECTION: frozenset({Role.TRAINEE}),
    Capability.DECIDE_CORRECTION: frozenset({Role.MANAGER}),
    Capability.SEE_RISK: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.FOLLOW_CLASS: frozenset({Role.MANAGER}),
    Capability.ASK_LEAVE: frozenset({Role.TRAINEE}),
    Capability.RECORD_LEAVE: frozenset({Role.MANAGER}),
    Capability.DECIDE_LEAVE: frozenset({Role.MANAGER}),
    Capability.DECIDE_LEAVE_SCHOOL: frozenset({Role.ADMIN}),
    Capability.DECIDE_OVER_LIMIT: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.ANNOUNCE: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.RATE: frozenset({Role.TRAINEE}),
    Capability.FOLLOW_RATINGS: frozenset({Role.MANAGER}),
    Capability.SEE_OWN_RATINGS: frozenset({Role.INSTRUCTOR}),
    Capability.SEE_INSTRUCTORS: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.SEE_ALL_INSTRUCTORS: frozenset({Role.ADMIN}),
    Capability.EXPORT_RECORDS: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.SEE_AUDIT: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.REPORT_INSTRUCTOR: frozenset({Role.ADMIN}),
    Capability.SEE_GRADES: frozenset({Role.MANAGER, Role.ADMIN}),
    Capability.GRADE: frozenset({Role.MANAGER}),
}


def roles_for(*capabilities: Capability) -> frozenset[Role]:
    """The roles that give any of these capabilities."""
    return frozenset().union(*(_TABLE[c] for c in capabilities))


def may(roles: Iterable[str], *capabilities: Capability) -> bool:
    """Whether someone holding these roles (in one class, or anywhere) has any of these."""
    return not roles_for(*capabilities).isdisjoint(roles)


async def holds(db: Queryable, capability: Capability, class_id: int, person_id: int) -> bool:
    """Whether a person has a capability in a class now, as the database says.

    Run it inside the write that acts on it, so the answer holds at the moment of the act.
    """
    return await classes.holds_role(db, class_id, person_id, roles_for(capability))


def level_capability(level: int) -> Capability:
    """Who decides a level of a leave request: the class managers, then the school."""
    return Capability.DECIDE_LEAVE if level == 1 else Capability.DECIDE_LEAVE_SCHOOL


@dataclass(frozen=True)
class Command:
    """A command and the capabilities that open it (none: anyone bound to the bot)."""

    name: str
    needs: tuple[Capability, ...] = ()


# In the order the menu and /help show them.
COMMANDS: Final[tuple[Command, ...]] = (
    Command("help"),
    Command("roster", (Capability.SEE_ROSTER,)),
    Command("today"),
    Command("week"),
    Command("next"),
    Command("announce", (Capability.ANNOUNCE,)),
    Command("checkin", (Capability.CHECK_IN,)),
    Command("checkout", (Capability.CHECK_IN,)),
    Command("code", (Capability.SHOW_CODE,)),
    Command("roll", (Capability.SEE_ROLL,)),
    Command("risk", (Capability.SEE_RISK,)),
    Command("me", (Capability.CHECK_IN,)),
    Command("fix", (Capability.ASK_CORRECTION,)),
    Command("leave", (Capability.ASK_LEAVE, Capability.RECORD_LEAVE)),
    Command("back", (Capability.ASK_LEAVE,)),
    Command(
        "pending",
        (Capability.DECIDE_LEAVE, Capability.DECIDE_LEAVE_SCHOOL, Capability.DECIDE_CORRECTION),
    ),
    Command("rate", (Capability.RATE, Capability.FOLLOW_RATINGS)),
    Command("myratings", (Capability.SEE_OWN_RATINGS,)),
    Command("instructors", (Capability.SEE_INSTRUCTORS,)),
    Command("report", (Capability.REPORT_INSTRUCTOR,)),
    Command("export", (Capability.EXPORT_RECORDS,)),
    Command("audit", (Capability.SEE_AUDIT,)),
    Command("grades", (Capability.SEE_GRADES,)),
    Command("score", (Capability.GRADE,)),
    Command("appraise", (Capability.GRADE,)),
    Command("lang"),
    Command("verify"),
)

# What someone who is not bound yet can do (/verify: anyone holding a certificate).
UNBOUND_COMMANDS: Final[tuple[str, ...]] = ("start", "help", "verify")


def command(name: str) -> Command:
    """The command of this name in the table (every registered command is in it)."""
    found = next((c for c in COMMANDS if c.name == name), None)
    if found is None:
        raise KeyError(f"/{name} is not in bot/permissions.py COMMANDS")
    return found


def commands_for(roles: Iterable[str]) -> list[Command]:
    """The commands open to someone holding these roles (in any class)."""
    held = frozenset(roles)
    return [c for c in COMMANDS if not c.needs or may(held, *c.needs)]
