"""Reminder, the instructor's summary and chart, and what class managers see: never a name."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from bot.importer.model import ClassPlan
from bot.rules.class_settings import ClassSettings, to_json
from bot.rules.rating_stats import DEFAULT_DIMENSIONS
from bot.testing import ShownMessage
from bot.testing.faults import Fault
from storage.db import Tx
from storage.imports import apply_plan
from tests.harness import Person
from tests.ratings.conftest import S01_END, Scene
from tests.ratings.test_rating_form import ended, form_of, rate

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
        assert "12月8日（周二）11:30" in reminders[0].text  # the one date style
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
    assert len(photos) == 1 and "各项平均分" in photos[0].text
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
        "SELECT method, status FROM outbox WHERE idempotency_key LIKE 'rating:chart:%'"
    )
    assert tuple(row) == ("sendPhoto", "sent")
    # Through the outbox, right after its text: the chart never comes first.
    kinds = [m.kind for m in scene.instructor.chat() if m.from_bot][-2:]
    assert kinds == ["text", "photo"]


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


async def add_earlier_lecture(scene: Scene, raters: int, window_days: int | None = None) -> None:
    """陈志远's earlier lecture, the day before S01, rated 3 throughout: a session of S01's
    class, or of another class whose rating stays open ``window_days``."""

    async def earlier(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, hours,"
            " secret, created_at, updated_at) SELECT class_id, 'S00', 'Earlier', "
            "'2026-12-06T00:30:00+00:00', '2026-12-06T03:30:00+00:00', 3, 'x', created_at,"
            " updated_at FROM sessions WHERE id = ?",
            (scene.session_id,),
        )
        sid = (await tx.fetchone("SELECT id FROM sessions WHERE external_id = 'S00'"))[0]
        if window_days is not None:
            settings = to_json(ClassSettings(rating_window_minutes=window_days * 1440))
            await tx.execute(
                "INSERT INTO classes (name, start_date, end_date, timezone, settings,"
                " created_at, updated_at) VALUES ('Other', '2026-12-01', '2026-12-20',"
                " 'Asia/Shanghai', ?, 'x', 'x')",
                (settings,),
            )
            other = (await tx.fetchone("SELECT id FROM classes WHERE name = 'Other'"))[0]
            await tx.execute("UPDATE sessions SET class_id = ? WHERE id = ?", (other, sid))
        pid = (await tx.fetchone("SELECT id FROM people WHERE name = '陈志远'"))[0]
        await tx.execute("INSERT INTO session_instructors VALUES (?, ?, 0)", (sid, pid))
        for name in scene.trainee_names[:raters]:
            trainee = (await tx.fetchone("SELECT id FROM people WHERE name = ?", (name,)))[0]
            await tx.execute(
                "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
                " updated_at) VALUES (?, ?, ?, NULL, 'x', 'x')",
                (sid, trainee, json.dumps(dict.fromkeys(DEFAULT_DIMENSIONS, 3))),
            )

    await scene.db.write(earlier)


async def test_an_earlier_lecture_still_being_rated_is_no_comparison(scene: Scene) -> None:
    # Its figures are live until its own window closes, a week after it ended.
    await add_earlier_lecture(scene, raters=3, window_days=7)
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 5))
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "满意率：100.0%" in summary and "较以往" not in summary
    assert "这是您第一次有测评结果的课程" in summary


async def test_change_against_the_instructors_previous_lectures(scene: Scene) -> None:
    await add_earlier_lecture(scene, raters=3)
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 5))
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "满意率：100.0%（较以往 +100.0 个百分点）" in summary
    assert "总体满意度：5.00（较以往 +2.00）" in summary
    assert "与您此前 1 次课程相比" in summary


async def test_an_earlier_lecture_too_little_rated_is_no_comparison(scene: Scene) -> None:
    # Against the one rating of the earlier lecture, the change would give it away.
    await add_earlier_lecture(scene, raters=2)
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 5))
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "满意率：100.0%" in summary and "较以往" not in summary
    assert "这是您第一次有测评结果的课程" in summary


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


async def test_a_chart_that_failed_on_the_network_is_sent_again(scene: Scene) -> None:
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 4))
    scene.clock.set(CLOSES)
    scene.bot.telegram.fail_next("sendPhoto", Fault.server_error(502, "Bad Gateway"))
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert "参评 3 / 4 人" in summary_of(scene.instructor).text
    assert not [m for m in scene.instructor.chat() if m.kind == "photo"]
    # The outbox retries it with its backoff; the job running again queues nothing twice.
    scene.clock.advance(timedelta(seconds=2))
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert len([m for m in scene.instructor.chat() if m.kind == "photo"]) == 1
    assert len([m for m in scene.instructor.chat() if "课程测评结果" in (m.text or "")]) == 1


async def test_at_the_close_the_ratings_forget_their_people_and_nothing_breaks(
    scene: Scene, example_class: ClassPlan
) -> None:
    await ended(scene)
    for trainee in scene.trainees[:3]:
        await rate(trainee, (4, 4, 4, 4))
    people = "SELECT count(*) FROM ratings WHERE session_id = ? AND person_id IS NOT NULL"
    assert await scene.count(people, scene.session_id) == 3  # kept while it may change
    scene.clock.set(CLOSES - timedelta(minutes=1))
    await scene.bot.run_due_jobs()  # the summary job has not run: still kept
    assert await scene.count(people, scene.session_id) == 3
    await close_window(scene)
    assert await scene.count(people, scene.session_id) == 0
    assert await scene.count("SELECT count(*) FROM ratings") == 3
    assert "参评 3 / 4 人" in summary_of(scene.instructor).text
    # Running everything again, and every view, works on anonymous rows.
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert len([m for m in scene.instructor.chat() if "课程测评结果" in (m.text or "")]) == 1
    [mine] = await scene.instructor.says("/myratings")
    assert "参评 3/4" in mine.text and "满意率 100.0%" in mine.text
    [listed] = await scene.trainees[0].says("/rate")
    assert listed.text == "目前没有可以评分的课程。"
    [progress] = await scene.manager.says("/rate")
    assert "开班式暨入学教育" not in progress.text
    # A re-import that lengthens the window must not let anyone rate a second time.
    longer = replace(example_class.settings, rating_window_minutes=7 * 1440)
    await apply_plan(scene.db, replace(example_class, settings=longer), scene.clock.now())
    user = scene.trainees[0]
    await user.presses_button(form_of(user), "✏️ 修改我的评分")
    answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "这次课程的测评已截止。"
    assert await scene.count("SELECT count(*) FROM forms") == 0
    assert await scene.count("SELECT count(*) FROM ratings") == 3


async def test_a_session_too_little_rated_gets_counts_but_no_figures_or_chart(
    scene: Scene,
) -> None:
    await ended(scene)
    await rate(scene.trainees[0], (1, 2, 3, 1), "只有我")
    await rate(scene.trainees[1], (2, 2, 2, 2))
    await close_window(scene)
    summary = summary_of(scene.instructor).text
    assert "参评 2 / 4 人" in summary
    assert "参评不足 3 人，为保护匿名" in summary
    for figure in ("满意率：", "1.50", "2.00", "★", "只有我"):
        assert figure not in summary, figure
    assert not [m for m in scene.instructor.chat() if m.kind == "photo"]
    assert not scene.bot.telegram.calls_of("sendPhoto")
