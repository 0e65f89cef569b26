"""A class with its own rating form (the rating_dimensions setting): form, summary, history."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.importer.model import ClassPlan
from storage.imports import apply_plan
from tests.harness import Person
from tests.ratings.conftest import Scene
from tests.ratings.test_instructors_table import row
from tests.ratings.test_rating_form import SUBMIT, ended, form_of
from tests.ratings.test_rating_summary import close_window, summary_of

# No "overall": the last question gives the satisfaction rate.
QUESTIONS = ("讲解清晰", "节奏适中", "收获")


async def own_form(scene: Scene, plan: ClassPlan) -> None:
    settings = replace(plan.settings, rating_dimensions=QUESTIONS)
    await apply_plan(scene.db, replace(plan, settings=settings), scene.clock.now())


async def answer(user: Person, stars: tuple[int, int, int]) -> None:
    for n in stars:
        await user.presses_button(form_of(user), f"{n}★")
    await user.presses_button(form_of(user), SUBMIT)


async def test_the_whole_form_with_three_questions_of_the_class(
    scene: Scene, example_class: ClassPlan
) -> None:
    await own_form(scene, example_class)
    await ended(scene)
    user = scene.trainees[0]
    first = form_of(user)
    for label in QUESTIONS:
        assert label in first.text
    assert "教学内容" not in first.text and "总体满意度" not in first.text
    assert first.button_texts == ["1★", "2★", "3★", "4★", "5★"]
    await user.presses_button(first, "5★")
    assert "节奏适中：—" in form_of(user).text and "◀" in form_of(user).text
    await user.presses_button(form_of(user), "4★")
    await user.presses_button(form_of(user), "2★")
    shown = form_of(user)
    assert shown.message_id == first.message_id
    assert SUBMIT in shown.button_texts and "✏️ 收获" in shown.button_texts
    await user.presses_button(shown, SUBMIT)
    assert "已提交" in form_of(user).text
    row = await scene.db.fetchone("SELECT scores FROM ratings")
    assert json.loads(row[0]) == {"讲解清晰": 5, "节奏适中": 4, "收获": 2}


async def test_summary_history_and_table_use_the_classs_own_questions(
    scene: Scene, example_class: ClassPlan
) -> None:
    await own_form(scene, example_class)
    await ended(scene)
    for trainee, stars in zip(scene.trainees, ((5, 4, 2), (4, 4, 5), (3, 3, 1)), strict=False):
        await answer(trainee, stars)
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "参评 3 / 4 人" in summary
    assert "讲解清晰：4.00" in summary and "节奏适中：3.67" in summary and "收获：2.67" in summary
    assert "满意率：33.3%" in summary  # 收获 of 4 or 5: one of three
    assert "1★ 1 人，2★ 1 人，3★ 0 人，4★ 0 人，5★ 1 人" in summary
    [photo] = [m for m in scene.instructor.chat() if m.kind == "photo"]
    # The chart draws the class's own questions by name; its caption names the lecture.
    assert photo.text.startswith("开班式暨入学教育")
    [mine] = await scene.instructor.says("/myratings")
    assert "总满意率 33.3%" in mine.text  # pooled by the class's own satisfaction question
    assert "满意率 33.3%，总体 2.67" in mine.text
    table, _ = await scene.admin.says("/instructors")
    assert "讲解清晰 4.00 · 节奏适中 3.67 · 收获 2.67" in table.text
    assert row(table.text, "陈志远").startswith("陈志远 | 1 | 3 | 4.00 | 3.67 | 2.67 | 33.3% ⚠")
