"""Anonymity across every view an instructor or a class manager gets, messages and documents.

While a window is open the class manager sees who has not answered (issue 7 wants that), so
no figure of that session may show anywhere then; and a session rated by fewer than its
``rating_min_responses`` never shows figures of its own. Each test reads back everything
the bot sent these people, the .xlsx included, and looks for names and for figures.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

from openpyxl import load_workbook

from bot.rules.rating_stats import DEFAULT_DIMENSIONS
from storage import ratings
from storage.db import Tx
from tests.harness import Person, person_id, session_id
from tests.ratings.conftest import S01_END, Scene
from tests.ratings.test_instructors_table import row
from tests.ratings.test_rating_form import ended, rate
from tests.ratings.test_rating_summary import CLOSES, close_window, summary_of

# What a figure looks like in a message: an average (4.00), a satisfaction rate (66.7%), a
# count by stars (5★ 1). Counts of answers ("1 / 4", "1/4") and the school's thresholds
# ("under 80%") are not figures. In the .xlsx every number right of the answer count is.
FIGURE = re.compile(r"\d\.\d\d|\d+\.\d%|\d★ \d")
COUNTS = 3  # the .xlsx columns before the figures: instructor, lectures, responses
# ... and on the per-lecture sheet: date, lecture, class, instructor, responses.
LECTURE_COUNTS = 5
LECTURE_SHEETS = ("各次课程", "Lectures")
PROGRESS = ("测评进度", "Rating progress")  # the manager's list of who has not answered


@dataclass
class Received:
    """Everything the bot sent one person: texts and captions, documents, photos."""

    texts: list[str]
    documents: list[str]  # each .xlsx flattened, a figure's cell as 0.00 (see _cell)
    photos: int

    def everything(self) -> str:
        return "\n".join(self.texts + self.documents)


def _cell(value: object, column: int, counts: int = COUNTS) -> str:
    if isinstance(value, int | float) and column >= counts:
        return f"{value:.2f}"  # the form FIGURE finds
    return "" if value is None else str(value)


def received(scene: Scene, user: Person) -> Received:
    texts, documents, photos = [], [], 0
    for message in user.chat():
        if not message.from_bot:
            continue
        texts.append(message.text or "")
        if message.kind == "photo":
            photos += 1
        if message.kind == "document":
            stored = scene.bot.telegram.file(message.raw["document"]["file_id"])
            book = load_workbook(io.BytesIO(stored.content))
            documents.append(
                "\n".join(
                    " | ".join(
                        _cell(
                            v,
                            column,
                            LECTURE_COUNTS if sheet.title in LECTURE_SHEETS else COUNTS,
                        )
                        for column, v in enumerate(row)
                    )
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True)
                )
            )
    return Received(texts, documents, photos)


def assert_anonymous(scene: Scene, user: Person, responders: list[str]) -> Received:
    """No figure at all, no responder's name, and other trainees' names only in the list of
    who has not answered."""
    got = received(scene, user)
    assert not FIGURE.search(got.everything()), FIGURE.search(got.everything())
    assert got.photos == 0
    for text in got.texts + got.documents:
        for name in scene.trainee_names:
            if name in responders or not text.startswith(PROGRESS):
                assert name not in text, (name, text)
    return got


async def every_view(scene: Scene) -> None:
    """What instructors, managers and the admin can ask for, each asked once."""
    for viewer in (scene.instructor, scene.manager):
        await viewer.says("/rate")
        await viewer.says("/myratings")
        await viewer.says("/instructors")
    await scene.admin.says("/instructors")


def test_the_figure_pattern_finds_figures() -> None:
    for shown in ("教学内容：1.00", "满意率：0.0%", "1★ 1 人", "Satisfaction 100.0%", _cell(4, 3)):
        assert FIGURE.search(shown), shown
    for allowed in (
        "参评 1 / 4 人",
        "参评 1/4",
        "2026-12-07 – 2026-12-08",
        "低于 80%",
        _cell(4, 2),
    ):
        assert not FIGURE.search(allowed), allowed


async def test_nothing_of_a_session_shows_while_its_window_is_open(scene: Scene) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (1, 2, 3, 1), "秘密评语")
    responder = scene.trainee_names[0]
    scene.clock.set(S01_END + timedelta(hours=20))
    await every_view(scene)
    for viewer in (scene.instructor, scene.manager, scene.admin):
        got = assert_anonymous(scene, viewer, [responder])
        assert "秘密评语" not in got.everything()
    # The manager still sees who has not answered, and the tables say S01 is left out.
    [progress] = [t for t in received(scene, scene.manager).texts if t.startswith(PROGRESS)]
    assert all(name in progress for name in scene.trainee_names[1:4])
    table = received(scene, scene.admin).texts[-1]
    assert "另有 2 次课程的测评尚未截止" in table  # S01, and S02, which ended meanwhile
    mine = [t for t in received(scene, scene.instructor).texts if "我的课程测评" in t]
    assert mine and "开班式" not in mine[0] and "另有 1 次课程的测评尚未截止" in mine[0]


async def test_a_session_below_the_threshold_shows_counts_only_to_everyone(
    scene: Scene,
) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (1, 2, 3, 1), "秘密评语")
    await rate(scene.trainees[1], (2, 2, 2, 2))
    responders = scene.trainee_names[:2]
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "参评 2 / 4 人" in summary and "为保护匿名" in summary
    await every_view(scene)
    for viewer in (scene.instructor, scene.manager, scene.admin):
        got = assert_anonymous(scene, viewer, responders)
        assert "秘密评语" not in got.everything()
    [mine] = [t for t in received(scene, scene.instructor).texts if "我的课程测评" in t]
    assert "参评 2/4（不足 3 人，为保护匿名不显示得分）" in mine
    admin = received(scene, scene.admin)
    assert row(admin.texts[-2], "陈志远").startswith("陈志远 | 1 | 2 | - | - | - | - | - *")
    [sheet] = admin.documents
    assert "陈志远 | 1 | 2 |  |  |  |  |  | 部分课程参评人数不足" in sheet


async def test_the_tables_leave_out_an_open_session_but_keep_the_closed_ones(
    scene: Scene,
) -> None:
    """S01 closed with figures; S02, which 陈志远 also teaches, still open with one answer:
    his row is S01's alone; S02 counts once closed, in the answers, never in the figures
    (pooled, its one answer would show by the difference with the earlier table)."""
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 4))
    await close_window(scene)  # S02 ended at 17:30 the day before: its window is open
    s02 = await session_id(scene.db, "S02")
    chen = await person_id(scene.db, "陈志远")
    one = await person_id(scene.db, scene.trainee_names[0])

    async def s02_rated(tx: Tx) -> None:
        await tx.execute("INSERT INTO session_instructors VALUES (?, ?, 1)", (s02, chen))
        scores = dict.fromkeys(DEFAULT_DIMENSIONS, 1)
        await ratings.save_rating(tx, s02, one, scores, None, scene.clock.now())

    await scene.db.write(s02_rated)
    await every_view(scene)
    admin = received(scene, scene.admin)
    assert row(admin.texts[-2], "陈志远").startswith(
        "陈志远 | 1 | 3 | 4.00 | 4.00 | 4.00 | 4.00 | 100.0%"
    )
    assert "王建国" not in admin.texts[-2] and "另有 1 次课程的测评尚未截止" in admin.texts[-2]
    assert "1.00 |" not in admin.texts[-2]
    assert "陈志远 | 1 | 3 | 4.00 | 4.00 | 4.00 | 4.00 | 1.00" in admin.documents[-1]
    [mine] = [t for t in received(scene, scene.instructor).texts if "我的课程测评" in t]
    assert "专题讲座" not in mine and "另有 1 次" in mine and "总满意率 100.0%" in mine
    # Once S02 closes: counted in 陈志远's answers but not his figures, withheld in 王建国's.
    scene.clock.set(CLOSES + timedelta(hours=6))
    table, _ = await scene.admin.says("/instructors")
    assert row(table.text, "陈志远").startswith(
        "陈志远 | 2 | 4 | 4.00 | 4.00 | 4.00 | 4.00 | 100.0% *"
    )
    assert row(table.text, "王建国").startswith("王建国 | 1 | 1 | - | - | - | - | - *")


async def test_once_enough_answered_the_figures_show(scene: Scene) -> None:
    """The control: the same sweep finds figures when there are figures to find."""
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 5), "好")
    await close_window(scene)
    await every_view(scene)
    instructor = received(scene, scene.instructor)
    assert FIGURE.search(summary_of(scene.instructor).text)
    assert instructor.photos == 1
    admin = received(scene, scene.admin)
    assert FIGURE.search(admin.documents[0]) and FIGURE.search(admin.texts[-2])
    for viewer in (scene.instructor, scene.manager, scene.admin):
        shown = received(scene, viewer).everything()
        for name in scene.trainee_names:
            assert name not in shown, name


async def test_the_lectures_own_instructor_never_sees_who_has_not_rated(scene: Scene) -> None:
    # 陈志远 gave S01 and is a class manager too: /rate shows him the counts, not the names.
    await ended(scene)
    await rate(scene.trainees[0], (5, 5, 5, 5))
    scene.clock.set(S01_END + timedelta(hours=2))
    [progress] = await scene.instructor.says("/rate")
    assert "已评 1 / 4 人" in progress.text and "尚未评分 3 人" in progress.text
    assert not any(name in progress.text for name in scene.trainee_names)
    [other] = await scene.manager.says("/rate")  # a manager who did not give it: the names
    assert all(name in other.text for name in scene.trainee_names[1:4])
