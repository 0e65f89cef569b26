"""Template values of graduation: a class's final assessment (/grades), its keyboard, and
the trainees named in typed commands (/score, /appraise)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import GradesPublish, one_button
from bot.context import Context, Viewer
from bot.graduation import ClassGrades
from bot.permissions import Capability, roles_for
from bot.rules import grades as rules
from bot.rules.names import named
from storage import classes

_TRAINEES = roles_for(Capability.CHECK_IN)


def class_view(found: ClassGrades) -> dict[str, Any]:
    """The values of ``grades.view``: the scheme, the publication, counts, the ranked list."""
    settings = found.settings
    # Missing a score and failing on the score alone: not decided yet (the exam may simply
    # not have been held), so neither a band nor "does not graduate" is shown for it.
    undecided = {
        o.person_id for o in found.outcomes if o.missing and set(o.reasons) == {rules.Reason.FAILED}
    }
    counts = Counter(o.band.value for o in found.outcomes if o.person_id not in undecided)
    published = None
    if found.publication is not None:
        at = found.publication.published_at.astimezone(ZoneInfo(found.row.timezone))
        published = {"revision": found.publication.revision, "at": f"{at:%Y-%m-%d %H:%M}"}
    return {
        "name": found.row.name,
        "components": [
            {"name": c.name, "weight": rules.show(c.weight), "computed": c.computed}
            for c in found.components
        ],
        "deductions": {
            "late": rules.show(Fraction(str(settings.deduct_late))),
            "early": rules.show(Fraction(str(settings.deduct_left_early))),
            "absent": rules.show(Fraction(str(settings.deduct_absent_hour))),
            "leave": rules.show(Fraction(str(settings.deduct_leave_hour))),
        },
        "bands": {
            "excellent": settings.grade_excellent,
            "good": settings.grade_good,
            "pass": settings.grade_pass,
        },
        "published": published,
        "open_hours": rules.show(found.open_hours) if found.open_hours else None,
        "changed": sum(o.changed for o in found.outcomes) if published else 0,
        "total": len(found.outcomes),
        "graduates": sum(o.graduates for o in found.outcomes),
        "counts": {band.value: counts.get(band.value, 0) for band in rules.Band},
        "undecided": len(undecided),
        "missing": [
            {"name": o.name, "components": list(o.missing)} for o in found.outcomes if o.missing
        ],
        "lines": [
            {
                "name": o.name,
                "unit": o.unit,
                "score": rules.show(o.final_score),
                "band": o.band.value,
                "graduates": o.graduates,
                "reasons": [r.value for r in o.reasons],
                "missing": bool(o.missing),
                "undecided": o.person_id in undecided,
                "appraised": o.appraisal is not None,
                "changed": bool(published) and o.changed,
            }
            for o in found.ranked()
        ],
    }


def publish_keyboard(context: Context, found: ClassGrades) -> InlineKeyboardMarkup | None:
    """The publish button of a class's view, for those who may publish."""
    if not found.components or not found.outcomes:
        return None
    name = "grades.publish_corrections" if found.published else "grades.publish"
    return one_button(
        context.label(name, class_name=found.row.name), GradesPublish(found.row.id, 0)
    )


@dataclass(frozen=True)
class Named:
    """A trainee a typed command names, in a class the speaker manages."""

    class_id: int
    person_id: int
    name: str
    rest: str  # what follows the name


async def trainees_named(context: Context, viewer: Viewer, text: str) -> list[Named]:
    """Every trainee of the speaker's classes (where they may grade) the text begins with:
    a full name or the last four digits of a phone number (bot/rules/names.py)."""
    found = []
    for membership in viewer.classes_where(Capability.GRADE):
        for member in await classes.members(context.db, membership.klass.id, _TRAINEES):
            rest = named(member.name, member.phone, text)
            if rest is not None:
                found.append(Named(membership.klass.id, member.person_id, member.name, rest))
    return found
