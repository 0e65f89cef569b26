"""Who counts as having attended, and that views get scores without people (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.importer.model import ClassPlan
from bot.roles import Role
from storage import ratings
from storage.db import Database
from tests.ratings.conftest import attend, person_id, session_id

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


async def test_attended_follows_check_in_and_the_managers_mark(
    db: Database, example_class: ClassPlan
) -> None:
    sid = await session_id(db, "S01")
    plain = [p.name for p in example_class.people if p.roles == {Role.TRAINEE}]
    marks = {
        plain[0]: ({"checkin": True}, True),
        plain[1]: ({"checkin": False, "override": "present"}, True),
        plain[2]: ({"checkin": False, "override": "late"}, True),
        plain[3]: ({"checkin": True, "override": "left_early"}, True),
        plain[4]: ({"checkin": True, "override": "absent"}, False),
        plain[5]: ({"checkin": False}, False),
    }
    for name, (mark, _) in marks.items():
        await attend(db, sid, await person_id(db, name), **mark)
    # An instructor who checked in is not a trainee: no form for them.
    await attend(db, sid, await person_id(db, "陈志远"))
    for name, (_, expected) in marks.items():
        assert await ratings.attended(db, sid, await person_id(db, name)) is expected, name
    assert not await ratings.attended(db, sid, await person_id(db, "陈志远"))
    names = [r.name for r in await ratings.attendees(db, sid)]
    assert names == [n for n, (_, ok) in marks.items() if ok]


async def test_ratings_upsert_one_per_person_and_read_back_without_people(
    db: Database, example_class: ClassPlan
) -> None:
    sid = await session_id(db, "S01")
    pid = await person_id(db, example_class.people[-1].name)
    scores = {"content": 5, "teaching": 5, "relevance": 5, "overall": 5}
    await db.write(lambda tx: ratings.save_rating(tx, sid, pid, scores, "a", NOW))
    await db.write(
        lambda tx: ratings.save_rating(tx, sid, pid, {**scores, "overall": 1}, None, NOW)
    )
    assert await ratings.scores_of(db, sid) == [({**scores, "overall": 1}, None)]
    assert await ratings.responders(db, sid) == {pid}
