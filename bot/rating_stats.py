"""Rating aggregates, as pure functions: what a summary and the school's table show.

Nothing here knows who gave a rating: the inputs are scores and comments only, so no
output can name a person. Comments are shown only from ``min_responses`` ratings on, in an
order drawn from an injected random generator (tests pass a seeded one), so the order of
the comments never reveals the order of the answers.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

SCORES: Final = (1, 2, 3, 4, 5)
SATISFIED: Final = frozenset({4, 5})
OVERALL: Final = "overall"
DEFAULT_DIMENSIONS: Final = ("content", "teaching", "relevance", "overall")


@dataclass(frozen=True)
class Rating:
    """One trainee's answers, without the trainee."""

    scores: Mapping[str, int]
    comment: str | None = None


@dataclass(frozen=True)
class Summary:
    """The aggregate of a set of ratings (one lecture, or several pooled)."""

    responses: int
    averages: dict[str, float | None]  # per dimension, in form order
    satisfaction: float | None  # share (0..1) of "overall" answers of 4 or 5
    distribution: dict[int, int]  # count of each "overall" score 1..5
    comments: tuple[str, ...]  # shuffled; empty below the threshold
    comments_withheld: int  # comments not shown because too few rated


def overall_of(dimensions: Sequence[str]) -> str:
    """The dimension whose answers make the satisfaction rate: "overall", else the last."""
    return OVERALL if OVERALL in dimensions else dimensions[-1]


def summarize(
    ratings: Sequence[Rating],
    dimensions: Sequence[str],
    *,
    min_responses: int,
    rng: random.Random,
) -> Summary:
    """Aggregate ratings: averages, satisfaction, distribution and comments (shuffled)."""
    overall = overall_of(dimensions)
    averages: dict[str, float | None] = {}
    for dimension in dimensions:
        values = [r.scores[dimension] for r in ratings if _valid(r.scores.get(dimension))]
        averages[dimension] = sum(values) / len(values) if values else None
    overall_values = [r.scores[overall] for r in ratings if _valid(r.scores.get(overall))]
    distribution = {score: overall_values.count(score) for score in SCORES}
    satisfaction = (
        sum(1 for v in overall_values if v in SATISFIED) / len(overall_values)
        if overall_values
        else None
    )
    comments = [r.comment.strip() for r in ratings if r.comment and r.comment.strip()]
    shown: list[str] = []
    if len(ratings) >= min_responses:
        shown = sorted(comments)  # a canonical order first, so only rng decides the result
        rng.shuffle(shown)
    return Summary(
        responses=len(ratings),
        averages=averages,
        satisfaction=satisfaction,
        distribution=distribution,
        comments=tuple(shown),
        comments_withheld=len(comments) - len(shown),
    )


@dataclass(frozen=True)
class Change:
    """This lecture against the same instructor's earlier ones (None: nothing to compare)."""

    averages: dict[str, float | None]
    satisfaction: float | None
    previous_lectures: int


def change(
    current: Summary,
    previous: Sequence[Sequence[Rating]],
    dimensions: Sequence[str],
) -> Change:
    """Differences between a lecture and the pooled ratings of earlier lectures."""
    earlier = [lecture for lecture in previous if lecture]
    pooled = summarize(
        [r for lecture in earlier for r in lecture],
        dimensions,
        min_responses=1,
        rng=random.Random(0),
    )
    return Change(
        averages={d: _delta(current.averages.get(d), pooled.averages.get(d)) for d in dimensions},
        satisfaction=_delta(current.satisfaction, pooled.satisfaction),
        previous_lectures=len(earlier),
    )


@dataclass(frozen=True)
class Lecture:
    """One lecture an instructor gave, with its ratings (for the school's table)."""

    session_id: int
    title: str
    ratings: Sequence[Rating]


@dataclass(frozen=True)
class InstructorRow:
    """One line of the school's table."""

    name: str
    lectures: int
    summary: Summary
    below_threshold: bool
    excellent: tuple[str, ...]  # titles of lectures that are excellent-lecture candidates


def instructor_rows(
    instructors: Iterable[tuple[str, Sequence[Lecture]]],
    dimensions: Sequence[str],
    *,
    threshold: float = 0.80,
    excellent_rate: float = 0.95,
    excellent_min: int = 10,
) -> list[InstructorRow]:
    """The school's table: per instructor, pooled figures, low marks and excellent lectures.

    An instructor is below the threshold when their pooled satisfaction is under it; a
    lecture is an excellent-lecture candidate at ``excellent_rate`` or more with at least
    ``excellent_min`` responses. Rows come sorted by satisfaction, best first.
    """
    rows = []
    for name, lectures in instructors:
        pooled = summarize(
            [r for lecture in lectures for r in lecture.ratings],
            dimensions,
            min_responses=1,
            rng=random.Random(0),
        )
        excellent = []
        for lecture in lectures:
            one = summarize(lecture.ratings, dimensions, min_responses=1, rng=random.Random(0))
            if (
                one.responses >= excellent_min
                and one.satisfaction is not None
                and one.satisfaction >= excellent_rate
            ):
                excellent.append(lecture.title)
        rows.append(
            InstructorRow(
                name=name,
                lectures=len(lectures),
                summary=pooled,
                below_threshold=pooled.satisfaction is not None and pooled.satisfaction < threshold,
                excellent=tuple(excellent),
            )
        )
    rows.sort(key=lambda r: (-(r.summary.satisfaction or -1.0), r.name))
    return rows


def _valid(score: object) -> bool:
    return isinstance(score, int) and not isinstance(score, bool) and score in SCORES


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before
