"""Reminder, the instructor's summary and chart, and what class managers see: never a name."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from telegram.error import TelegramError

from bot.testing import ShownMessage
from bot.testing.faults import Fault
from tests.harness import Person
from tests.ratings.conftest import S01_END, Scene
from tests.ratings.test_rating_form import ended, rate

CLOSES = S01_END + timedelta(minutes=1440)


def bot_texts(user: Person) -> str:
    """Everything the bot ever showed this person, texts and captions."""
    return "\n".join(m.text or "" for m in user.chat() if m.from_bot)


def assert_no_trainee_names(scene: Scene, user: Person) -> None:
    shown = bot_texts(user)
    for name in scene.trainee_names:
        assert name not in shown, name


async def close_window(scene: Scene) -> None:
    scene.clock.set(CLOSES)
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()


def summary_of(user: Person) -> ShownMessage:
    [summary] = [
        m for m in user.chat() if m.text and "课程测评结果" in m.text and "开班式" in m.text
    ]
    return summary


async def test_one_reminder_before_the_window_closes_to_those_who_did_not_answer(
    scene: Scene,
) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (5, 5, 5, 5))
    scene.clock.set(CLOSES - timedelta(hours=2, minutes=1))
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert not any("还没有评分" in (m.text or "") for m in scene.trainees[1].chat())
    scene.clock.set(CLOSES - timedelta(hours=2))
    for _ in range(2):  # planned again (a restart): still one reminder
        await scene.bot.run_due_jobs()
        await scene.bot.deliver_outbox()
    for trainee in scene.trainees[1:]:
        reminders = [m for m in trainee.chat() if "还没有评分" in (m.text or "")]
        assert len(reminders) == 1
        assert "12-08 11:30" in reminders[0].text
    assert not any("还没有评分" in (m.text or "") for m in scene.trainees[0].chat())
    assert not any("还没有评分" in (m.text or "") for m in scene.absent.chat())
    # The reminder's button opens the form.
    user = scene.trainees[1]
    reminder = next(m for m in user.chat() if "还没有评分" in (m.text or ""))
    await user.presses_button(reminder, "⭐ 现在评分")
    assert "课程测评：" in user.last().text


async def test_summary_with_figures_chart_and_comments_when_enough_answered(
    scene: Scene,
) -> None:
    await ended(scene)
    answers = [((5, 5, 4, 5), "内容充实"), ((4, 3, 4, 4), "案例很好"), ((3, 2, 2, 2), "太快了")]
    for trainee, (stars, comment) in zip(scene.trainees, answers, strict=False):
        await rate(trainee, stars, comment)
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "参评 3 / 4 人" in summary
    assert "满意率：66.7%" in summary
    assert "教学内容：4.00" in summary and "教学方法：3.33" in summary
    assert "联系实际：3.33" in summary and "总体满意度：3.67" in summary
    assert "1★ 0 人，2★ 1 人，3★ 0 人，4★ 1 人，5★ 1 人" in summary
    for comment in ("内容充实", "案例很好", "太快了"):
        assert comment in summary
    assert "这是您第一次有测评结果的课程" in summary
    photos = [m for m in scene.instructor.chat() if m.kind == "photo"]
    assert len(photos) == 1 and "1=教学内容" in photos[0].text
    upload = scene.bot.telegram.calls_of("sendPhoto")[-1].files
    content = next(iter(upload.values()))[1]
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    assert_no_trainee_names(scene, scene.instructor)
    # Forms of the closed session are gone; the job again sends nothing twice.
    assert await scene.count("SELECT count(*) FROM forms") == 0
    before = len(scene.instructor.chat())
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert len(scene.instructor.chat()) == before
    row = await scene.db.fetchone(
        "SELECT method, status, payload FROM outbox WHERE idempotency_key LIKE 'rating:chart:%'"
    )
    assert (row[0], row[1]) == ("sendPhoto", "sent")
    assert json.loads(row[2]) == {"chart": f"session:{scene.session_id}"}


async def test_comments_are_withheld_below_the_threshold(scene: Scene) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (5, 5, 5, 5), "只有我写了评语")
    await rate(scene.trainees[1], (4, 4, 4, 4))
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "参评 2 / 4 人" in summary
    assert "只有我写了评语" not in summary
    assert "参评不足 3 人" in summary
    assert "只有我写了评语" not in bot_texts(scene.instructor)


async def test_nobody_rated_gives_a_summary_without_a_chart(scene: Scene) -> None:
    await ended(scene)
    await close_window(scene)
    assert "本次课程没有学员评分" in summary_of(scene.instructor).text
    assert not [m for m in scene.instructor.chat() if m.kind == "photo"]


async def test_change_against_the_instructors_previous_lectures(scene: Scene) -> None:
    # 陈志远's earlier lecture: a session of the same class moved before S01, rated 3 overall.
    async def earlier(tx) -> None:
        await tx.execute(
            "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, hours,"
            " secret, created_at, updated_at) SELECT class_id, 'S00', 'Earlier', "
            "'2026-12-06T00:30:00+00:00', '2026-12-06T03:30:00+00:00', 3, 'x', created_at,"
            " updated_at FROM sessions WHERE id = ?",
            (scene.session_id,),
        )
        sid = (await tx.fetchone("SELECT id FROM sessions WHERE external_id = 'S00'"))[0]
        pid = (await tx.fetchone("SELECT id FROM people WHERE name = '陈志远'"))[0]
        await tx.execute("INSERT INTO session_instructors VALUES (?, ?, 0)", (sid, pid))
        trainee = (
            await tx.fetchone("SELECT id FROM people WHERE name = ?", (scene.trainee_names[0],))
        )[0]
        await tx.execute(
            "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
            " updated_at) VALUES (?, ?, ?, NULL, 'x', 'x')",
            (sid, trainee, json.dumps({"content": 3, "teaching": 3, "relevance": 3, "overall": 3})),
        )

    await scene.db.write(earlier)
    await ended(scene)
    await rate(scene.trainees[0], (4, 4, 4, 5))
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "满意率：100.0%（较以往 +100.0 个百分点）" in summary
    assert "总体满意度：5.00（较以往 +2.00）" in summary
    assert "与您此前 1 次课程相比" in summary


async def test_class_manager_sees_who_has_not_answered_never_what(scene: Scene) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (1, 1, 1, 1), "秘密评语")
    [progress] = await scene.manager.says("/rate")
    assert "已评 1 / 4 人" in progress.text
    responder, *others = scene.trainee_names[:4]
    assert responder not in progress.text
    for name in others:
        assert name in progress.text
    assert "★" not in progress.text and "秘密评语" not in progress.text
    await close_window(scene)
    # The manager who also teaches S01 gets the summary: figures only.
    for viewer in (scene.manager, scene.instructor):
        shown = bot_texts(viewer)
        assert responder not in shown
        assert "秘密评语" not in shown  # 1 answer: under the threshold


async def test_instructor_views_never_show_a_name(scene: Scene) -> None:
    await ended(scene)
    for trainee in scene.trainees:
        await rate(trainee, (4, 4, 4, 4), "好")
    await close_window(scene)
    [mine] = await scene.instructor.says("/myratings")
    assert (
        "开班式暨入学教育" in mine.text and "参评 4/4" in mine.text and "满意率 100.0%" in mine.text
    )
    await scene.instructor.says("/rate")  # as class manager, after the window: nothing open
    await scene.instructor.says("/instructors")
    assert_no_trainee_names(scene, scene.instructor)
    assert_no_trainee_names(scene, scene.manager)
    [refused] = await scene.trainees[0].says("/myratings")
    assert refused.text == "只有授课教师可以查看自己的测评结果。"


async def test_a_chart_that_failed_on_the_network_is_sent_on_the_next_run(scene: Scene) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (4, 4, 4, 4))
    scene.clock.set(CLOSES)
    scene.bot.telegram.fail_next("sendPhoto", Fault.server_error(502, "Bad Gateway"))
    with pytest.raises(TelegramError):
        await scene.bot.run_due_jobs()  # the scheduler logs it and runs the job again
    await scene.bot.deliver_outbox()
    assert "参评 1 / 4 人" in summary_of(scene.instructor).text
    assert not [m for m in scene.instructor.chat() if m.kind == "photo"]
    await scene.bot.run_due_jobs()
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert len([m for m in scene.instructor.chat() if m.kind == "photo"]) == 1
    assert len([m for m in scene.instructor.chat() if "课程测评结果" in (m.text or "")]) == 1
