"""The rating form through the Application: prompt, answers, comment, submit, change, refusals."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from bot.buttons import RateAsk, RateOpen, RateScore, RateSubmit
from bot.importer.model import ClassPlan
from bot.testing import ShownMessage
from storage.imports import apply_plan
from tests.harness import Person
from tests.ratings.conftest import S01_END, Scene

COMMENT = "💬 写评语（可选）"
SUBMIT = "✅ 提交"


def form_of(user: Person) -> ShownMessage:
    """The rating form in a trainee's chat, as shown now."""
    forms = [
        m
        for m in user.chat()
        if m.from_bot and m.text and ("课程测评：" in m.text or "已提交，谢谢" in m.text)
    ]
    assert forms, "no rating form in the chat"
    return forms[-1]


async def ended(scene: Scene) -> None:
    scene.clock.set(S01_END)
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()


async def rate(user: Person, stars: tuple[int, int, int, int], comment: str | None = None) -> None:
    form = form_of(user)
    for n in stars:
        await user.presses_button(form_of(user), f"{n}★")
    if comment is not None:
        await user.presses_button(form_of(user), COMMENT)
        await user.says(comment)
    await user.presses_button(form_of(user), SUBMIT)
    assert form_of(user).message_id == form.message_id


async def stored(scene: Scene) -> list[tuple[dict[str, int], str | None]]:
    rows = await scene.db.fetchall("SELECT scores, comment FROM ratings ORDER BY id")
    return [(json.loads(r[0]), r[1]) for r in rows]


async def snapshot(scene: Scene) -> tuple[object, ...]:
    ratings = await scene.db.fetchall("SELECT * FROM ratings ORDER BY id")
    forms = await scene.db.fetchall("SELECT person_id, kind, data FROM forms ORDER BY 1, 2")
    return tuple(tuple(r) for r in ratings), tuple(tuple(r) for r in forms)


async def test_every_attendee_gets_the_form_and_no_one_else(scene: Scene) -> None:
    scene.clock.set(S01_END - timedelta(minutes=1))
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert not any("课程测评：" in (m.text or "") for m in scene.trainees[0].chat())
    await ended(scene)
    for trainee in scene.trainees:  # checked in, late, marked present, left early
        form = form_of(trainee)
        assert "开班式暨入学教育" in form.text and "教学内容" in form.text
        assert form.button_texts == ["1★", "2★", "3★", "4★", "5★"]
    assert not any("课程测评：" in (m.text or "") for m in scene.absent.chat())
    # Running the jobs again sends nothing twice.
    before = len(scene.trainees[0].chat())
    await scene.bot.run_due_jobs()
    await scene.bot.deliver_outbox()
    assert len(scene.trainees[0].chat()) == before


async def test_the_whole_form_in_one_message(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    first = form_of(user)
    bot_messages = len([m for m in user.chat() if m.from_bot])
    await user.presses_button(first, "5★")
    assert "教学方法" in form_of(user).text and "◀" in form_of(user).text
    for n in (4, 3, 5):
        await user.presses_button(form_of(user), f"{n}★")
    shown = form_of(user)
    assert shown.message_id == first.message_id and shown.edited
    assert SUBMIT in shown.button_texts and COMMENT in shown.button_texts
    await user.presses_button(shown, COMMENT)
    assert "请直接发送评语" in form_of(user).text
    [ack] = await user.says("讲得很好 <b>生动</b>")
    assert "评语已写入" in ack.text
    assert "讲得很好 <b>生动</b>" in form_of(user).text  # escaped, shown literally
    await user.presses_button(form_of(user), SUBMIT)
    assert "已提交" in form_of(user).text
    # "已保存" is a toast that goes by itself, not an alert that needs a tap.
    saved = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert saved.get("text") == "已保存" and not saved.get("show_alert")
    assert await stored(scene) == [
        ({"content": 5, "teaching": 4, "relevance": 3, "overall": 5}, "讲得很好 <b>生动</b>")
    ]
    assert await scene.count("SELECT count(*) FROM forms") == 0
    # One form message for everything, plus the comment's acknowledgement.
    assert len([m for m in user.chat() if m.from_bot]) == bot_messages + 1


async def test_a_form_survives_a_restart_of_the_bot(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    await user.presses_button(form_of(user), "2★")
    await user.presses_button(form_of(user), "3★")
    await scene.bot.restart()  # a new Application on the same database: nothing in memory
    for n in (4, 5):
        await user.presses_button(form_of(user), f"{n}★")
    await user.presses_button(form_of(user), COMMENT)
    await user.says("重启之后")
    await user.presses_button(form_of(user), SUBMIT)
    assert await stored(scene) == [
        ({"content": 2, "teaching": 3, "relevance": 4, "overall": 5}, "重启之后")
    ]


async def test_a_rating_can_be_changed_until_the_window_closes(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    await rate(user, (5, 5, 5, 5), "好")
    scene.clock.advance(timedelta(hours=20))
    await user.presses_button(form_of(user), "✏️ 修改我的评分")
    assert "★★★★★" in form_of(user).text and "好" in form_of(user).text  # prefilled
    await user.presses_button(form_of(user), "✏️ 总体满意度")
    await user.presses_button(form_of(user), "2★")
    await user.presses_button(form_of(user), SUBMIT)
    assert await stored(scene) == [
        ({"content": 5, "teaching": 5, "relevance": 5, "overall": 2}, "好")
    ]
    # After the window: refused, nothing changed.
    scene.clock.set(S01_END + timedelta(minutes=1440))
    before = await snapshot(scene)
    await user.presses_button(form_of(user), "✏️ 修改我的评分")
    answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "这次课程的测评已截止。" and answer["show_alert"]
    assert await snapshot(scene) == before


async def test_rate_lists_what_can_still_be_rated(scene: Scene) -> None:
    user = scene.trainees[1]
    [reply] = await user.says("/rate")
    assert reply.text == "目前没有可以评分的课程。"  # not ended yet
    await ended(scene)
    [reply] = await user.says("/rate")
    assert "开班式暨入学教育" in reply.text and "未评分" in reply.text
    await user.presses_button(reply, "⭐ 开班式暨入学教育")
    assert form_of(user).message_id == reply.message_id  # the list became the form
    await rate(user, (4, 4, 4, 4))
    [reply] = await user.says("/rate")
    assert "已评分" in reply.text
    scene.clock.set(S01_END + timedelta(days=1))
    [reply] = await user.says("/rate")
    assert reply.text == "目前没有可以评分的课程。"
    [reply] = await scene.absent.says("/rate")
    assert reply.text == "目前没有可以评分的课程。"


async def test_refusals_change_nothing(scene: Scene) -> None:
    sid = scene.session_id
    user = scene.trainees[0]
    [hello] = await user.says("/help")
    cases = [
        # Not ended yet.
        (None, RateScore(sid, 0, 5).pack(), "课程还没有结束，结束后才能评分。"),
    ]
    for _, data, text in cases:
        await user.presses(hello.message_id, data)
        assert scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params["text"] == text
    await ended(scene)
    before = await snapshot(scene)
    stale = "这个按钮已失效，请重新发送命令。"
    for presser, data, text in [
        (scene.absent, RateScore(sid, 0, 5).pack(), "您没有出勤这次课程，不能评分。"),
        (scene.absent, RateOpen(sid).pack(), "您没有出勤这次课程，不能评分。"),
        (user, RateScore(sid, 0, 6).pack(), stale),
        (user, RateScore(sid, 0, 0).pack(), stale),
        (user, RateScore(sid, 4, 5).pack(), stale),
        (user, RateAsk(sid, -1).pack(), stale),
        (user, RateScore(9999, 0, 5).pack(), stale),
        (user, "1|rs|1|0", stale),
        (user, "1|rs|x|0|5", stale),
        (user, RateSubmit(sid).pack(), "请先回答全部问题再提交。"),
    ]:
        await presser.presses(form_of(user).message_id, data)
        answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
        assert answer["text"] == text, data
        assert await snapshot(scene) == before, data
    # A stranger who never bound presses a real button.
    await scene.bot.person().presses(1, RateScore(sid, 0, 5).pack())
    assert scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params["text"] == stale
    assert await snapshot(scene) == before


def pressed_by(scene: Scene, presser: Person, owner: Person, label: str) -> dict[str, object]:
    """An update: ``presser`` presses a button on the form in ``owner``'s chat.

    Telegram delivers a press with the message it is on; a form seen outside its owner's
    chat (a group it got into, a forged client) carries the owner's chat, not the presser's.
    """
    form = form_of(owner)
    [data] = [
        b["callback_data"]
        for row in form.reply_markup["inline_keyboard"]
        for b in row
        if b["text"] == label
    ]
    update = scene.bot.telegram.press(owner.id, form.message_id, data)
    update["callback_query"]["from"] = scene.bot.telegram.add_user(
        presser.id, presser.first_name, language_code=presser.language_code
    )
    return update


async def test_someone_elses_prompt_rates_for_the_presser_only(scene: Scene) -> None:
    await ended(scene)
    owner, other = scene.trainees[0], scene.trainees[1]
    await rate(other, (3, 3, 3, 3))  # other's own rating, which the press must not touch
    before = await snapshot(scene)
    owner_form = form_of(owner).text
    for label in ("1★", "5★"):
        await scene.bot.feed(other, pressed_by(scene, other, owner, label))
        answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
        assert answer["show_alert"]
        assert answer["text"] == (
            "这不是您的测评表，不能替别人评分。请在您与本机器人的私聊中发送 /rate 评分。"
        )
        assert await snapshot(scene) == before  # neither owner's nor other's form or rating
        assert form_of(owner).text == owner_form and not form_of(owner).edited


async def test_the_refusal_of_someone_elses_prompt_is_in_the_pressers_language(
    scene: Scene,
) -> None:
    await ended(scene)
    owner, other = scene.trainees[0], scene.trainees[1]
    await other.says("/lang en")
    before = await snapshot(scene)
    await scene.bot.feed(other, pressed_by(scene, other, owner, "4★"))
    answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"].startswith("This rating form is not yours")
    assert await snapshot(scene) == before


async def test_a_trainee_removed_from_the_class_can_no_longer_rate(
    scene: Scene, example_class: ClassPlan
) -> None:
    await ended(scene)
    user, removed = scene.trainees[0], scene.trainee_names[0]
    await user.presses_button(form_of(user), "5★")
    # A re-import without them: their membership becomes inactive, their records stay.
    smaller = replace(
        example_class, people=tuple(p for p in example_class.people if p.name != removed)
    )
    await apply_plan(scene.db, smaller, scene.clock.now())
    before = await snapshot(scene)
    await user.presses_button(form_of(user), "4★")
    answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "您没有出勤这次课程，不能评分。" and answer["show_alert"]
    await user.presses(form_of(user).message_id, RateSubmit(scene.session_id).pack())
    assert await snapshot(scene) == before
    assert await scene.count("SELECT count(*) FROM ratings") == 0
    [listed] = await user.says("/rate")
    assert "开班式暨入学教育" not in (listed.text or "")


async def test_an_over_long_or_empty_comment_is_refused(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    for n in (5, 5, 5, 5):
        await user.presses_button(form_of(user), f"{n}★")
    await user.presses_button(form_of(user), COMMENT)
    before = await snapshot(scene)
    [reply] = await user.says("长" * 501)
    assert "评语太长了（501 字），最多 500 字" in reply.text
    assert await snapshot(scene) == before
    [reply] = await user.says("长" * 500)
    assert "评语已写入" in reply.text
    await user.presses_button(form_of(user), SUBMIT)
    assert (await stored(scene))[0][1] == "长" * 500


async def test_text_with_no_form_waiting_goes_to_the_other_features(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    await user.presses_button(form_of(user), "5★")  # a form, but no comment awaited
    before = await snapshot(scene)
    replies = await user.says("你好")
    assert replies and "评语" not in replies[-1].text
    assert await snapshot(scene) == before


async def test_the_same_update_twice_gives_one_rating(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    for n in (5, 4, 4, 4):
        await user.presses_button(form_of(user), f"{n}★")
    await user.presses_button(form_of(user), COMMENT)
    update = scene.bot.telegram.send_text(user.id, "第一次")
    await scene.bot.feed(user, update)
    [again] = await scene.bot.redeliver(user, update)
    assert again.text == "这条消息已经处理过了。"
    submit = [b for row in form_of(user).reply_markup["inline_keyboard"] for b in row][-1]
    press = scene.bot.telegram.press(user.id, form_of(user).message_id, submit["callback_data"])
    await scene.bot.feed(user, press)
    after_first = await snapshot(scene)
    shown = len(user.chat())
    await scene.bot.redeliver(user, press)
    assert len(user.chat()) == shown  # no error message, nothing new
    assert await snapshot(scene) == after_first
    assert len(await stored(scene)) == 1


async def test_english_speakers_get_the_form_in_english(scene: Scene) -> None:
    user = scene.trainees[2]
    await user.says("/lang en")
    await ended(scene)
    form = [m for m in user.chat() if m.text and "Rate the session" in m.text][-1]
    assert "Content" in form.text and "Relevance to my work" in form.text


async def test_a_comment_after_the_window_closed_is_refused(scene: Scene) -> None:
    await ended(scene)
    user = scene.trainees[0]
    for n in (3, 3, 3, 3):
        await user.presses_button(form_of(user), f"{n}★")
    await user.presses_button(form_of(user), COMMENT)
    scene.clock.set(S01_END + timedelta(days=1))  # closed; the summary job has not run yet
    before = await snapshot(scene)
    [reply] = await user.says("迟到的评语")
    assert reply.text == "这次课程的测评已截止。"
    assert await snapshot(scene) == before
    assert await scene.count("SELECT count(*) FROM ratings") == 0


async def test_a_cancelled_session_cannot_be_rated(scene: Scene) -> None:
    await ended(scene)
    await scene.db.write(
        lambda tx: tx.execute(
            "UPDATE sessions SET cancelled_at = updated_at WHERE id = ?", (scene.session_id,)
        )
    )
    user = scene.trainees[0]
    before = await snapshot(scene)
    await user.presses_button(form_of(user), "5★")
    answer = scene.bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "这次课程已取消。"
    assert await snapshot(scene) == before
