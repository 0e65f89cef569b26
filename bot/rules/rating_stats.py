"""Rating aggregates, as pure functions: what a summary and the school's table show.

Nothing here knows who gave a rating: the inputs are scores and comments only, so no
output can name a person. A lecture's own figures (averages, satisfaction, distribution)
and its comments are shown only from ``min_responses`` ratings on: with fewer, a class
manager who knows who has not answered could tell who gave which scores. Comments come in
an order drawn from an injected random generator (tests pass a seeded one), so the order
of the comments never reveals the order of the answers.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

SCORES: Final = (1, 2, 3, 4, 5)
SATISFIED: Final = frozenset({4, 5})
OVERALL: Final = "overall"
DEFAULT_DIMENSIONS: Final = ("content", "teaching", "relevance", "overall")


@dataclass(frozen=True)
class Rating:
    """One trainee's answers, without the trainee.

    ``overall`` names the answer that counts toward satisfaction, that of the rating's own
    form (see ``overall_of``); None: the one of the dimensions being aggregated. It matters
    when lectures of classes with different forms are pooled.
    """

    scores: Mapping[str, int]
    comment: str | None = None
    overall: str | None = None


@dataclass(frozen=True)
class Summary:
    """The aggregate of a set of ratings (one lecture, or several pooled)."""

    responses: int
    averages: dict[str, float | None]  # per dimension, in form order
    satisfaction: float | None  # share (0..1) of "overall" answers of 4 or 5
    distribution: dict[int, int]  # count of each "overall" score 1..5
    comments: tuple[str, ...]  # shuffled; empty below the threshold
    comments_withheld: int  # comments not shown because too few rated
    # Some rated, but fewer than the threshold: every figure above is blank (None, 0).
    figures_withheld: bool = False


def overall_of(dimensions: Sequence[str]) -> str:
    """The dimension whose answers make the satisfaction rate: "overall", else the last."""
    return OVERALL if OVERALL in dimensions else dimensions[-1]


@dataclass(frozen=True)
class Counts:
    """Ratings as counts, all the figures need: how many answered; per dimension, how many
    gave each valid score; how many gave each score to their own form's satisfaction
    question. The database counts a year of lectures in one statement (the school's table);
    ``count`` makes the same from ratings."""

    responses: int
    scores: Mapping[str, Mapping[int, int]]
    overall: Mapping[int, int]

    def __add__(self, other: Counts) -> Counts:
        scores = {d: dict(by) for d, by in self.scores.items()}
        for d, by in other.scores.items():
            mine = scores.setdefault(d, {})
            for score, n in by.items():
                mine[score] = mine.get(score, 0) + n
        overall = dict(self.overall)
        for score, n in other.overall.items():
            overall[score] = overall.get(score, 0) + n
        return Counts(self.responses + other.responses, scores, overall)


NO_COUNTS: Final = Counts(0, {}, {})


def count(ratings: Sequence[Rating], dimensions: Sequence[str]) -> Counts:
    """The counts of these ratings (``overall``: each rating's own, else the dimensions')."""
    overall = overall_of(dimensions) if dimensions else OVERALL
    scores: dict[str, dict[int, int]] = {}
    satisfaction: dict[int, int] = {}
    for r in ratings:
        for dimension, value in r.scores.items():
            if _valid(value):
                by = scores.setdefault(dimension, {})
                by[value] = by.get(value, 0) + 1
        value = r.scores.get(r.overall or overall)
        if _valid(value):
            satisfaction[value] = satisfaction.get(value, 0) + 1  # type: ignore[index]
    return Counts(len(ratings), scores, satisfaction)


def summarize_counts(counts: Counts, dimensions: Sequence[str], *, min_responses: int) -> Summary:
    """The figures of ``summarize`` (no comments) from counts.

    From fewer than ``min_responses`` ratings (but some) nothing but the counts comes out.
    """
    if 0 < counts.responses < min_responses:
        return Summary(
            responses=counts.responses,
            averages=dict.fromkeys(dimensions),
            satisfaction=None,
            distribution=dict.fromkeys(SCORES, 0),
            comments=(),
            comments_withheld=0,
            figures_withheld=True,
        )
    averages: dict[str, float | None] = {}
    for dimension in dimensions:
        by = counts.scores.get(dimension, {})
        answered = sum(by.values())
        averages[dimension] = sum(s * n for s, n in by.items()) / answered if answered else None
    return Summary(
        responses=counts.responses,
        averages=averages,
        satisfaction=_satisfaction(counts),
        distribution={score: counts.overall.get(score, 0) for score in SCORES},
        comments=(),
        comments_withheld=0,
    )


def satisfaction_alone(counts: Counts, *, min_responses: int) -> float | None:
    """The satisfaction ``summarize_counts`` gives, without the rest of its figures (the
    school's table asks it of every lecture: a thousand in a year)."""
    if 0 < counts.responses < min_responses:
        return None
    return _satisfaction(counts)


def _satisfaction(counts: Counts) -> float | None:
    answered = sum(counts.overall.get(score, 0) for score in SCORES)
    satisfied = sum(counts.overall.get(score, 0) for score in SATISFIED)
    return satisfied / answered if answered else None


def summarize(
    ratings: Sequence[Rating],
    dimensions: Sequence[str],
    *,
    min_responses: int,
    rng: random.Random,
) -> Summary:
    """Aggregate ratings: averages, satisfaction, distribution and comments (shuffled).

    From fewer than ``min_responses`` ratings (but some) nothing but the counts comes out.
    """
    figures = summarize_counts(count(ratings, dimensions), dimensions, min_responses=min_responses)
    return with_comments(figures, [r.comment for r in ratings], rng)


def with_comments(figures: Summary, comments: Iterable[str | None], rng: random.Random) -> Summary:
    """The figures of ``summarize_counts`` with the same ratings' comments, as ``summarize``
    gives them: blank ones are none; shuffled by ``rng``; withheld (only counted) when the
    figures are. The school's table reads the comments alone, its figures counted."""
    given = [c.strip() for c in comments if c and c.strip()]
    if figures.figures_withheld:
        return replace(figures, comments_withheld=len(given))
    shown = sorted(given)  # a canonical order first, so only rng decides the result
    rng.shuffle(shown)
    return replace(figures, comments=tuple(shown))


def shown_alone(ratings: Sequence[Rating], min_responses: int) -> bool:
    """Whether one lecture's ratings are enough for its own figures to be shown."""
    return len(ratings) >= min_responses


@dataclass(frozen=True)
class Change:
    """This lecture against the same instructor's earlier ones (None: nothing to compare)."""

    averages: dict[str, float | None]
    satisfaction: float | None
    previous_lectures: int


def change(
    current: Summary,
    previous: Sequence[Lecture],
    dimensions: Sequence[str],
) -> Change:
    """Differences between a lecture and the pooled ratings of earlier lectures.

    An earlier lecture rated by fewer than its threshold is no comparison: against it
    alone, the difference would give its figures away.
    """
    earlier = [
        lecture.ratings
        for lecture in previous
        if lecture.ratings and shown_alone(lecture.ratings, lecture.min_responses)
    ]
    pooled = summarize(
        [r for ratings in earlier for r in ratings],
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
    min_responses: int = 1  # its class's threshold for figures of this lecture alone
    # Its ratings as counts, when the database counted them (the school's table): then
    # ``ratings`` is empty, and the figures come without comments.
    counts: Counts | None = None

    @property
    def answered(self) -> int:
        """How many rated it."""
        return self.counts.responses if self.counts is not None else len(self.ratings)

    def counted(self, dimensions: Sequence[str]) -> Counts:
        """Its ratings as counts."""
        return self.counts if self.counts is not None else count(self.ratings, dimensions)


def pool(lectures: Sequence[Lecture], dimensions: Sequence[str]) -> Summary:
    """Several lectures' ratings together (an instructor's row, a history).

    The figures take in only lectures rated by at least their class's threshold: if a pool
    took in one too little rated to show alone, two pools that differ by that lecture (two
    periods, the history before and after it closed) would give its figures away by
    difference. The count of answers takes in every lecture, and ``figures_withheld``
    says that some answers are counted but not in the figures. A pool of fewer ratings
    than its lectures' highest threshold shows counts only.
    """
    alone = [lecture for lecture in lectures if lecture.answered >= lecture.min_responses]
    threshold = max((lecture.min_responses for lecture in lectures), default=1)
    if any(lecture.counts is not None for lecture in lectures):
        total = sum((lecture.counted(dimensions) for lecture in alone), NO_COUNTS)
        pooled = summarize_counts(total, dimensions, min_responses=threshold)
    else:
        shown = [r for lecture in alone for r in lecture.ratings]
        pooled = summarize(shown, dimensions, min_responses=threshold, rng=random.Random(0))
    answered = sum(lecture.answered for lecture in lectures)
    if answered == pooled.responses:
        return pooled
    return replace(pooled, responses=answered, figures_withheld=True)


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
    threshold: float,
    excellent_rate: float,
    excellent_min: int,
) -> list[InstructorRow]:
    """The school's table: per instructor, pooled figures, low marks and excellent lectures.

    An instructor is below the threshold when their pooled satisfaction is under it; a
    lecture is an excellent-lecture candidate at ``excellent_rate`` or more with at least
    ``excellent_min`` responses (and at least its class's threshold: the mark is a figure
    of that lecture alone). A row pooling fewer ratings than its lectures' highest threshold
    would show one lecture's figures in all but name, so it shows none, and no mark. Rows
    come sorted by satisfaction, best first; rows without figures last.
    """
    rows = []
    for name, lectures in instructors:
        pooled = pool(lectures, dimensions)
        excellent = []
        for lecture in lectures:
            if lecture.answered < excellent_min:
                continue
            rate = satisfaction_alone(
                lecture.counted(dimensions), min_responses=lecture.min_responses
            )
            if rate is not None and rate >= excellent_rate:
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
    rows.sort(key=lambda r: (-_or(r.summary.satisfaction, -1.0), r.name))
    return rows


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _valid(score: object) -> bool:
    return isinstance(score, int) and not isinstance(score, bool) and score in SCORES


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before
