"""The rating aggregates, at every boundary."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from bot.rules.rating_stats import (
    DEFAULT_DIMENSIONS,
    Lecture,
    Rating,
    change,
    count,
    instructor_rows,
    overall_of,
    pool,
    summarize,
    summarize_counts,
    with_comments,
)

DIMS = DEFAULT_DIMENSIONS
SCHOOL = {"threshold": 0.80, "excellent_rate": 0.95, "excellent_min": 10}  # issue 7's defaults


def r(content: int, teaching: int, relevance: int, overall: int, comment: str | None = None):
    scores = dict(zip(DIMS, (content, teaching, relevance, overall), strict=True))
    return Rating(scores, comment)


def test_averages_satisfaction_and_distribution() -> None:
    ratings = [r(5, 4, 3, 5), r(4, 4, 3, 4), r(3, 2, 1, 3), r(4, 4, 5, 2)]
    s = summarize(ratings, DIMS, min_responses=3, rng=random.Random(1))
    assert s.responses == 4
    assert s.averages == {"content": 4.0, "teaching": 3.5, "relevance": 3.0, "overall": 3.5}
    assert s.satisfaction == pytest.approx(0.5)  # 5 and 4 out of 5, 4, 3, 2
    assert s.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}


def test_satisfaction_counts_only_four_and_five() -> None:
    three = summarize([r(3, 3, 3, 3)], DIMS, min_responses=1, rng=random.Random(0))
    four = summarize([r(3, 3, 3, 4)], DIMS, min_responses=1, rng=random.Random(0))
    assert three.satisfaction == 0.0
    assert four.satisfaction == 1.0


def test_no_ratings_gives_no_figures() -> None:
    s = summarize([], DIMS, min_responses=3, rng=random.Random(0))
    assert s.responses == 0
    assert s.satisfaction is None
    assert all(v is None for v in s.averages.values())
    assert s.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


def test_scores_outside_one_to_five_are_ignored() -> None:
    bad = Rating({"content": 0, "teaching": 6, "relevance": True, "overall": 5})
    s = summarize([bad], DIMS, min_responses=1, rng=random.Random(0))
    assert s.averages["content"] is None and s.averages["teaching"] is None
    assert s.averages["relevance"] is None and s.averages["overall"] == 5.0


def test_comments_below_threshold_are_withheld() -> None:
    ratings = [r(5, 5, 5, 5, "good"), r(4, 4, 4, 4, "fine")]
    s = summarize(ratings, DIMS, min_responses=3, rng=random.Random(0))
    assert s.comments == ()
    assert s.comments_withheld == 2


def test_comments_at_threshold_are_shown_shuffled_by_the_rng() -> None:
    ratings = [r(5, 5, 5, 5, c) for c in ("a", "b", "c", "d", "e", "f")] + [r(1, 1, 1, 1, " ")]
    s = summarize(ratings, DIMS, min_responses=7, rng=random.Random(3))
    assert sorted(s.comments) == ["a", "b", "c", "d", "e", "f"]  # the blank one is no comment
    assert s.comments_withheld == 0
    again = summarize(list(reversed(ratings)), DIMS, min_responses=7, rng=random.Random(3))
    # The answer order does not leak: the same seed gives the same order whatever came first.
    assert again.comments == s.comments
    orders = {
        summarize(ratings, DIMS, min_responses=1, rng=random.Random(seed)).comments
        for seed in range(20)
    }
    assert len(orders) > 1


def test_overall_is_the_last_dimension_when_not_named() -> None:
    assert overall_of(("a", "b")) == "b"
    assert overall_of(("overall", "b")) == "overall"


def _previous(*lectures: list[Rating], min_responses: int = 1) -> list[Lecture]:
    return [Lecture(n, f"L{n}", ratings, min_responses) for n, ratings in enumerate(lectures)]


def test_change_against_pooled_previous_lectures() -> None:
    current = summarize([r(5, 5, 5, 5), r(5, 5, 5, 3)], DIMS, min_responses=1, rng=random.Random())
    previous = _previous([r(4, 4, 4, 4)], [r(2, 2, 2, 2), r(3, 3, 3, 3)], [])
    c = change(current, previous, DIMS)
    assert c.previous_lectures == 2  # a lecture nobody rated is no comparison
    assert c.averages["content"] == pytest.approx(5 - 3)
    assert c.averages["overall"] == pytest.approx(4 - 3)
    assert c.satisfaction == pytest.approx(0.5 - 1 / 3)


def test_an_earlier_lecture_below_its_threshold_is_no_comparison() -> None:
    # Against one lecture of two answers alone, the difference would give its figures away.
    current = summarize([r(5, 5, 5, 5)] * 3, DIMS, min_responses=3, rng=random.Random())
    few = _previous([r(1, 1, 1, 1), r(2, 2, 2, 2)], min_responses=3)
    c = change(current, few, DIMS)
    assert c.previous_lectures == 0 and c.satisfaction is None
    enough = _previous([r(1, 1, 1, 1), r(2, 2, 2, 2), r(4, 4, 4, 4)], min_responses=3)
    assert change(current, enough, DIMS).averages["overall"] == pytest.approx(5 - 7 / 3)


def test_below_the_threshold_only_counts_come_out() -> None:
    ratings = [r(1, 2, 3, 1, "only two"), r(2, 2, 2, 2)]
    s = summarize(ratings, DIMS, min_responses=3, rng=random.Random(0))
    assert s.figures_withheld and s.responses == 2
    assert all(v is None for v in s.averages.values()) and s.satisfaction is None
    assert set(s.distribution.values()) == {0} and s.comments == ()
    at = summarize([*ratings, r(5, 5, 5, 5)], DIMS, min_responses=3, rng=random.Random(0))
    assert not at.figures_withheld and at.averages["content"] == pytest.approx(8 / 3)
    assert not summarize([], DIMS, min_responses=3, rng=random.Random(0)).figures_withheld


def test_satisfaction_follows_each_ratings_own_form() -> None:
    # Pooling a class with the default form and one whose last question is "pace".
    mixed = [r(5, 5, 5, 2), Rating({"clarity": 1, "pace": 5}, None, "pace")]
    s = summarize(mixed, [*DIMS, "clarity", "pace"], min_responses=1, rng=random.Random(0))
    assert s.satisfaction == 0.5 and s.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}


def test_change_without_previous_lectures_is_none() -> None:
    current = summarize([r(5, 5, 5, 5)], DIMS, min_responses=1, rng=random.Random())
    c = change(current, [], DIMS)
    assert c.previous_lectures == 0
    assert c.satisfaction is None and c.averages["overall"] is None


def _lecture(sid: int, good: int, bad: int) -> Lecture:
    return Lecture(sid, f"L{sid}", [r(5, 5, 5, 5)] * good + [r(3, 3, 3, 3)] * bad)


def test_instructor_table_marks_low_and_excellent_at_the_boundaries() -> None:
    rows = instructor_rows(
        [
            ("A", [_lecture(1, 19, 1)]),  # 95% of 20: excellent
            ("B", [_lecture(2, 9, 0)]),  # 100% but 9 responses: not excellent
            ("C", [_lecture(3, 4, 1)]),  # 80%: not below
            ("D", [_lecture(4, 79, 21)]),  # 79%: below
            ("E", [Lecture(5, "L5", [])]),  # nobody rated: no mark
            ("F", [_lecture(6, 10, 0), _lecture(7, 0, 10)]),  # pooled 50%, one excellent
        ],
        DIMS,
        **SCHOOL,
    )
    by_name = {row.name: row for row in rows}
    assert by_name["A"].excellent == ("L1",)
    assert by_name["B"].excellent == ()
    assert not by_name["C"].below_threshold
    assert by_name["D"].below_threshold
    assert not by_name["E"].below_threshold and by_name["E"].summary.satisfaction is None
    assert by_name["F"].below_threshold and by_name["F"].excellent == ("L6",)
    assert by_name["F"].lectures == 2 and by_name["F"].summary.responses == 20
    assert [row.name for row in rows][:2] == ["B", "A"]  # best satisfaction first
    assert rows[-1].name == "E"


def test_instructor_table_thresholds_are_parameters() -> None:
    [row] = instructor_rows(
        [("A", [_lecture(1, 3, 1)])], DIMS, threshold=0.9, excellent_rate=0.7, excellent_min=4
    )
    assert row.below_threshold and row.excellent == ("L1",)


def test_instructor_rows_too_little_rated_show_no_figures_and_no_mark() -> None:
    def lecture(sid: int, good: int, bad: int, need: int) -> Lecture:
        return Lecture(sid, f"L{sid}", [r(5, 5, 5, 5)] * good + [r(1, 1, 1, 1)] * bad, need)

    rows = instructor_rows(
        [
            ("alone", [lecture(1, 0, 2, 3)]),  # one lecture of 2 < 3: its figures in all but name
            # 2 < 3 counted, but only the 4 of the other lecture in the figures
            ("pooled", [lecture(2, 0, 2, 3), lecture(3, 4, 0, 3)]),
            ("strict", [lecture(4, 12, 0, 15)]),  # 100% of 12, but its class needs 15
            ("top", [lecture(5, 10, 0, 3)]),
        ],
        DIMS,
        **SCHOOL,
    )
    by_name = {row.name: row for row in rows}
    alone = by_name["alone"]
    assert alone.summary.figures_withheld and alone.summary.responses == 2
    assert alone.summary.satisfaction is None and not alone.below_threshold
    pooled = by_name["pooled"].summary
    assert pooled.figures_withheld and pooled.responses == 6 and pooled.satisfaction == 1.0
    assert by_name["strict"].excellent == () and by_name["strict"].summary.figures_withheld
    assert by_name["top"].excellent == ("L5",)
    # Without figures, a row's place must not hint at them: last, with the unrated.
    assert [row.name for row in rows] == ["pooled", "top", "alone", "strict"]


def test_counts_give_the_figures_ratings_give() -> None:
    """The school's table counts ratings in the database (Lecture.counts): the same figures,
    lecture by lecture and pooled, as the ratings themselves."""
    rng = random.Random(5)
    odd = Rating({"content": True, "teaching": 7, "relevance": 3, "overall": "5"})  # not scores
    lectures = []
    for n, size in enumerate([0, 2, 3, 10, 25]):
        ratings = [r(*(rng.randint(1, 5) for _ in range(4))) for _ in range(size)] + [odd]
        lectures.append(Lecture(n, f"L{n}", ratings, min_responses=3))
    counted = [
        Lecture(x.session_id, x.title, (), x.min_responses, counts=count(x.ratings, DIMS))
        for x in lectures
    ]
    for plain, by_counts in zip(lectures, counted, strict=True):
        full = summarize(plain.ratings, DIMS, min_responses=3, rng=random.Random(0))
        figures = summarize_counts(by_counts.counts, DIMS, min_responses=3)
        assert replace(full, comments=(), comments_withheld=0) == figures
    assert replace(pool(lectures, DIMS), comments=()) == pool(counted, DIMS)
    school = {"threshold": 0.8, "excellent_rate": 0.5, "excellent_min": 3}
    [by_ratings] = instructor_rows([("A", lectures)], DIMS, **school)
    [by_counts] = instructor_rows([("A", counted)], DIMS, **school)
    assert by_ratings.excellent == by_counts.excellent
    assert replace(by_ratings.summary, comments=()) == by_counts.summary


def test_counts_with_comments_give_what_the_ratings_give() -> None:
    """The per-lecture sheet of the school's table: figures counted by the database and the
    comments read alone give the summary of the ratings, comments shuffled alike and
    withheld under the threshold."""
    source = random.Random(11)
    for size in (0, 2, 3, 12):
        ratings = [
            r(*(source.randint(1, 5) for _ in range(4)), source.choice([None, "", " ", "好", "慢"]))
            for _ in range(size)
        ]
        for seed in range(3):
            full = summarize(ratings, DIMS, min_responses=3, rng=random.Random(seed))
            figures = summarize_counts(count(ratings, DIMS), DIMS, min_responses=3)
            comments = [x.comment for x in reversed(ratings) if x.comment]  # any order
            assert with_comments(figures, comments, random.Random(seed)) == full
    withheld = with_comments(
        summarize_counts(count([r(5, 5, 5, 5)] * 2, DIMS), DIMS, min_responses=3),
        ["a", " ", "b"],
        random.Random(0),
    )
    assert withheld.comments == () and withheld.comments_withheld == 2
