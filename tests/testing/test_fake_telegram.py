"""FakeTelegram behaves like the Bot API; FakeRequest lets a real PTB Bot talk to it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.testing import FakeRequest, FakeTelegram, FakeTimeout, Fault

TOKEN = "123456:TEST"
ALICE = 1001
NOW = 1_800_000_000
KEYBOARD = {"inline_keyboard": [[{"text": "确认", "callback_data": "ok"}]]}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class Clock:
    """Unix time that only moves when told."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """The fake's wall clock."""
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeTelegram:
    """A fake Telegram where Alice has already written to the bot."""
    telegram = FakeTelegram(TOKEN, now=clock)
    telegram.add_user(ALICE, "爱丽丝", username="alice")
    telegram.send_text(ALICE, "/start")
    return telegram


def ok(response: tuple[int, dict[str, Any]]) -> Any:
    """The result of a successful answer."""
    status, body = response
    assert (status, body["ok"]) == (200, True), body
    return body["result"]


def error(response: tuple[int, dict[str, Any]]) -> tuple[int, str]:
    """(error_code, description) of a refusal, checking the body's shape."""
    status, body = response
    assert body["ok"] is False
    assert body["error_code"] == status
    return status, body["description"]


def send(fake: FakeTelegram, text: str = "hi", **params: Any) -> tuple[int, dict[str, Any]]:
    """sendMessage to Alice."""
    return fake.call("sendMessage", {"chat_id": ALICE, "text": text, **params})


# ------------------------------------------------------------------ chats & users


def test_bot_cannot_write_first() -> None:
    fake = FakeTelegram(TOKEN)
    fake.add_user(ALICE, "爱丽丝")
    assert error(send(fake)) == (400, "Bad Request: chat not found")
    fake.send_text(ALICE, "你好")
    assert ok(send(fake))["chat"] == {"id": ALICE, "first_name": "爱丽丝", "type": "private"}


def test_user_updates_are_shaped_like_telegram(fake: FakeTelegram, clock: Clock) -> None:
    update = fake.send_text(ALICE, "😀 /help@trainee_test_bot now")
    message = update["message"]
    assert update["update_id"] == 2
    assert message["message_id"] == 2
    assert message["date"] == NOW
    assert message["from"] == {
        "id": ALICE,
        "is_bot": False,
        "first_name": "爱丽丝",
        "username": "alice",
        "language_code": "zh-hans",
    }
    # The emoji takes two UTF-16 code units, so the command starts at 3.
    assert message["entities"] == [{"offset": 3, "length": 22, "type": "bot_command"}]
    assert "entities" not in fake.send_text(ALICE, "no command")["message"]


def test_contacts(fake: FakeTelegram) -> None:
    own = fake.send_contact(ALICE, "+8613800000000")["message"]["contact"]
    assert own == {"phone_number": "+8613800000000", "first_name": "爱丽丝", "user_id": ALICE}
    no_account = fake.send_contact(ALICE, "+861", first_name="Bob", contact_user_id=None)
    assert "user_id" not in no_account["message"]["contact"]
    other = fake.send_contact(ALICE, "+862", first_name="Carol", contact_user_id=42)
    assert other["message"]["contact"]["user_id"] == 42


def test_forwarded_location(fake: FakeTelegram) -> None:
    plain = fake.send_location(ALICE, 31.2, 121.5)["message"]
    assert plain["location"] == {"latitude": 31.2, "longitude": 121.5}
    assert "forward_origin" not in plain
    forwarded = fake.send_location(ALICE, 31.2, 121.5, forwarded=True)["message"]
    assert forwarded["forward_origin"]["type"] == "user"
    assert forwarded["forward_date"] == NOW


def test_blocked_user_gets_403_until_they_restart(fake: FakeTelegram) -> None:
    update = fake.block(ALICE)
    assert update is not None
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert error(send(fake)) == (403, "Forbidden: bot was blocked by the user")
    assert error(fake.call("sendChatAction", {"chat_id": ALICE, "action": "typing"}))[0] == 403
    fake.send_text(ALICE, "/start")  # writing again means restarting the bot
    assert not fake.is_blocked(ALICE)
    ok(send(fake))


# ------------------------------------------------------------------- sending


def test_send_message_with_json_encoded_params(fake: FakeTelegram) -> None:
    result = ok(
        fake.call(
            "sendMessage",
            {
                "chat_id": str(ALICE),
                "text": "<b>你好</b> 世界",
                "parse_mode": "HTML",
                "reply_markup": json.dumps(KEYBOARD),
                "protect_content": "true",
            },
        )
    )
    assert result["text"] == "你好 世界"
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert result["reply_markup"] == KEYBOARD
    assert result["has_protected_content"] is True
    assert result["from"]["username"] == "trainee_test_bot"
    shown = fake.last_bot_message(ALICE)
    assert shown is not None
    assert (shown.text, shown.html, shown.kind) == ("你好 世界", "<b>你好</b> 世界", "text")
    assert shown.protect_content
    assert shown.button_texts == ["确认"]
    assert fake.sent(ALICE) == [result]


def test_refused_send_changes_nothing(fake: FakeTelegram) -> None:
    assert error(send(fake, "<b>&</b>", parse_mode="HTML")) == (
        400,
        'Bad Request: can\'t parse entities: Unescaped "&" at byte offset 3',
    )
    too_long = {"inline_keyboard": [[{"text": "x", "callback_data": "好" * 22}]]}
    assert error(send(fake, reply_markup=too_long)) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert fake.last_bot_message(ALICE) is None
    assert fake.sent() == []
    assert ok(send(fake))["message_id"] == 2  # no message id was used up
    assert [call.status for call in fake.calls_of("sendmessage")] == [400, 400, 200]


def test_text_limit_applies_after_parsing(fake: FakeTelegram) -> None:
    ok(send(fake, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML"))
    assert error(send(fake, "a" * 4097)) == (400, "Bad Request: message is too long")
    assert error(send(fake, "<b> </b>", parse_mode="HTML")) == (
        400,
        "Bad Request: message text is empty",
    )


def test_reply_keyboards(fake: FakeTelegram) -> None:
    share = {
        "keyboard": [[{"text": "分享手机号", "request_contact": True}]],
        "one_time_keyboard": True,
    }
    result = ok(send(fake, "请分享手机号", reply_markup=share))
    assert "reply_markup" not in result  # only inline keyboards belong to the message
    assert fake.keyboard(ALICE) == share
    fake.send_contact(ALICE, "+8613800000000")
    assert fake.keyboard(ALICE) is None  # one-time keyboards hide after use

    fake.add_group(-100, "培训班")
    in_group = {"chat_id": -100, "text": "x", "reply_markup": share}
    assert error(fake.call("sendMessage", in_group)) == (
        400,
        "Bad Request: phone number can be requested in private chats only",
    )


def test_reply_to_a_missing_message(fake: FakeTelegram) -> None:
    assert error(send(fake, reply_parameters={"message_id": 99})) == (
        400,
        "Bad Request: message to be replied not found",
    )
    reply = {"message_id": 99, "allow_sending_without_reply": True}
    assert "reply_to_message" not in ok(send(fake, reply_parameters=reply))
    assert (
        ok(send(fake, reply_parameters={"message_id": 1}))["reply_to_message"]["text"] == "/start"
    )


def test_unknown_method_and_case_insensitive_names(fake: FakeTelegram) -> None:
    assert fake.call("sendTelepathy", {}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert ok(fake.call("GETME", {}))["username"] == "trainee_test_bot"


def test_files_round_trip(fake: FakeTelegram) -> None:
    document = fake.send_document(ALICE, "名单.csv", b"a,b\n")["message"]["document"]
    assert document["mime_type"] == "text/csv"
    info = ok(fake.call("getFile", {"file_id": document["file_id"]}))
    assert fake.download(info["file_path"]) == b"a,b\n"
    assert error(fake.call("getFile", {"file_id": "nope"})) == (400, "Bad Request: invalid file_id")

    sent = ok(
        fake.call(
            "sendDocument",
            {"chat_id": ALICE, "caption": "<i>报告</i>", "parse_mode": "HTML"},
            {"document": ("report.txt", b"report", "text/plain")},
        )
    )
    assert sent["document"]["file_name"] == "report.txt"
    assert sent["caption"] == "报告"
    photo = ok(
        fake.call("sendPhoto", {"chat_id": ALICE}, {"photo": ("p.jpg", b"jpg", "image/jpeg")})
    )
    again = ok(fake.call("sendPhoto", {"chat_id": ALICE, "photo": photo["photo"][-1]["file_id"]}))
    assert again["photo"] == photo["photo"]
    assert error(fake.call("sendPhoto", {"chat_id": ALICE})) == (
        400,
        "Bad Request: there is no photo in the request",
    )
    assert [m.kind for m in fake.chat(ALICE)][-3:] == ["document", "photo", "photo"]


# ------------------------------------------------------------------ editing


def test_edit_message_text(fake: FakeTelegram, clock: Clock) -> None:
    message_id = ok(send(fake, "旧", reply_markup=KEYBOARD))["message_id"]
    edit = {"chat_id": ALICE, "message_id": message_id, "text": "旧", "reply_markup": KEYBOARD}
    assert error(fake.call("editMessageText", edit)) == (400, NOT_MODIFIED)

    clock.now += 5
    edited = ok(fake.call("editMessageText", {**edit, "text": "<b>新</b>", "parse_mode": "HTML"}))
    assert (edited["text"], edited["edit_date"]) == ("新", NOW + 5)
    # Leaving reply_markup out removes the inline keyboard, as on Telegram.
    bare = ok(
        fake.call("editMessageText", {"chat_id": ALICE, "message_id": message_id, "text": "新"})
    )
    assert "reply_markup" not in bare
    shown = fake.chat(ALICE)[-1]
    assert (shown.text, shown.html, shown.reply_markup, shown.edited) == ("新", "新", None, True)

    missing = {"chat_id": ALICE, "message_id": 999, "text": "x"}
    assert error(fake.call("editMessageText", missing)) == (
        400,
        "Bad Request: message to edit not found",
    )
    users = {"chat_id": ALICE, "message_id": 1, "text": "x"}
    assert error(fake.call("editMessageText", users)) == (
        400,
        "Bad Request: message can't be edited",
    )


def test_edit_reply_markup(fake: FakeTelegram) -> None:
    message_id = ok(send(fake, reply_markup=KEYBOARD))["message_id"]
    params = {"chat_id": ALICE, "message_id": message_id, "reply_markup": KEYBOARD}
    assert error(fake.call("editMessageReplyMarkup", params)) == (400, NOT_MODIFIED)
    ok(fake.call("editMessageReplyMarkup", {"chat_id": ALICE, "message_id": message_id}))
    assert fake.buttons(ALICE, message_id) == []


def test_edit_message_media(fake: FakeTelegram) -> None:
    """A text or photo message gets a new photo and caption; a location has no media."""
    text_id = ok(send(fake, "旧"))["message_id"]
    upload = {"qr": ("qr.png", b"PNG-1", "image/png")}
    media = {"type": "photo", "media": "attach://qr", "caption": "<b>码</b>", "parse_mode": "HTML"}
    params = {"chat_id": ALICE, "message_id": text_id, "media": json.dumps(media)}
    edited = ok(fake.call("editMessageMedia", params, upload))
    assert "text" not in edited and edited["caption"] == "码" and edited["photo"]
    shown = fake.chat(ALICE)[-1]
    assert (shown.kind, shown.text, shown.edited) == ("photo", "码", True)
    file_id = edited["photo"][-1]["file_id"]
    assert fake.file(file_id).content == b"PNG-1"
    # The same file and caption again: not modified; a new file: a new photo.
    same = {**media, "media": file_id}
    again = {"chat_id": ALICE, "message_id": text_id, "media": json.dumps(same)}
    assert error(fake.call("editMessageMedia", again)) == (400, NOT_MODIFIED)
    newer = ok(fake.call("editMessageMedia", params, {"qr": ("qr.png", b"PNG-2", "image/png")}))
    assert fake.file(newer["photo"][-1]["file_id"]).content == b"PNG-2"
    # A caption edit works on it now; a text edit does not.
    ok(fake.call("editMessageCaption", {"chat_id": ALICE, "message_id": text_id, "caption": "止"}))
    text_edit = {"chat_id": ALICE, "message_id": text_id, "text": "x"}
    assert error(fake.call("editMessageText", text_edit)) == (
        400,
        "Bad Request: there is no text in the message to edit",
    )
    broken = {"chat_id": ALICE, "message_id": text_id, "media": "{not json"}
    assert error(fake.call("editMessageMedia", broken)) == (
        400,
        "Bad Request: can't parse media JSON object",
    )
    video = {"chat_id": ALICE, "message_id": text_id, "media": json.dumps({"type": "sticker"})}
    assert error(fake.call("editMessageMedia", video)) == (
        400,
        "Bad Request: can't parse input media JSON object",
    )
    where = ok(fake.call("sendLocation", {"chat_id": ALICE, "latitude": 1, "longitude": 2}))
    at = {"chat_id": ALICE, "message_id": where["message_id"], "media": json.dumps(media)}
    assert error(fake.call("editMessageMedia", at, upload)) == (
        400,
        "Bad Request: there is no media in the message to edit",
    )
    missing = {**params, "message_id": 999}
    assert error(fake.call("editMessageMedia", missing, upload)) == (
        400,
        "Bad Request: message to edit not found",
    )


def test_delete_message(fake: FakeTelegram, clock: Clock) -> None:
    first = ok(send(fake, "一"))["message_id"]
    assert ok(fake.call("deleteMessage", {"chat_id": ALICE, "message_id": first})) is True
    assert first not in [m.message_id for m in fake.chat(ALICE)]
    assert error(fake.call("deleteMessage", {"chat_id": ALICE, "message_id": first})) == (
        400,
        "Bad Request: message to delete not found",
    )
    old = ok(send(fake, "二"))["message_id"]
    clock.now += 48 * 3600 + 1
    assert error(fake.call("deleteMessage", {"chat_id": ALICE, "message_id": old})) == (
        400,
        "Bad Request: message can't be deleted for everyone",
    )


# --------------------------------------------------------------- callbacks


def test_callback_queries(fake: FakeTelegram) -> None:
    message_id = ok(send(fake, "选择", reply_markup=KEYBOARD))["message_id"]
    query = fake.press_button(ALICE, message_id, "确认")["callback_query"]
    assert query["data"] == "ok"
    assert query["message"]["reply_markup"] == KEYBOARD
    assert query["chat_instance"]
    assert ok(fake.call("answerCallbackQuery", {"callback_query_id": query["id"], "text": "好"}))
    assert fake.callback_answer(query["id"]) == {"text": "好"}
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert error(fake.call("answerCallbackQuery", {"callback_query_id": query["id"]})) == (
        400,
        too_old,
    )
    assert error(fake.call("answerCallbackQuery", {"callback_query_id": "123"})) == (400, too_old)

    forged = fake.press(ALICE, message_id, "admin:delete_everything")["callback_query"]
    assert forged["data"] == "admin:delete_everything"  # forged data still reaches the bot
    long_answer = {"callback_query_id": forged["id"], "text": "长" * 201}
    assert error(fake.call("answerCallbackQuery", long_answer)) == (
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )

    with pytest.raises(LookupError):
        fake.press_button(ALICE, message_id, "不存在")
    ok(fake.call("deleteMessage", {"chat_id": ALICE, "message_id": message_id}))
    gone = fake.press(ALICE, message_id, "ok")["callback_query"]["message"]
    assert gone["date"] == 0  # an InaccessibleMessage


# ----------------------------------------------------------------- updates


def update_ids(response: tuple[int, dict[str, Any]]) -> list[int]:
    """The update ids of a getUpdates answer."""
    return [update["update_id"] for update in ok(response)]


def test_get_updates_offset_semantics(fake: FakeTelegram) -> None:
    fake.send_text(ALICE, "二")
    fake.send_text(ALICE, "三")
    assert update_ids(fake.call("getUpdates", {})) == [1, 2, 3]
    assert update_ids(fake.call("getUpdates", {"offset": 0, "limit": 2})) == [1, 2]
    # Unconfirmed updates come again; offset confirms everything before it.
    assert update_ids(fake.call("getUpdates", {"offset": "2"})) == [2, 3]
    assert update_ids(fake.call("getUpdates", {"offset": 0})) == [2, 3]
    fake.send_text(ALICE, "四")
    assert update_ids(fake.call("getUpdates", {"offset": -1})) == [4]
    assert update_ids(fake.call("getUpdates", {})) == [4]  # the older ones are forgotten
    assert update_ids(fake.call("getUpdates", {"offset": 5, "timeout": 30})) == []


@pytest.mark.asyncio
async def test_long_poll_wakes_up_on_a_new_update(fake: FakeTelegram) -> None:
    ok(fake.call("getUpdates", {"offset": 2}))
    # The update arrives while the poll is waiting: call_soon runs it after the
    # poll has suspended, so nothing depends on timing.
    asyncio.get_running_loop().call_soon(fake.send_text, ALICE, "在吗")
    result = ok(await asyncio.wait_for(fake.get_updates({"offset": 2, "timeout": 30}), 5))
    assert [update["message"]["text"] for update in result] == ["在吗"]


@pytest.mark.asyncio
async def test_second_poll_terminates_the_first(fake: FakeTelegram) -> None:
    first = asyncio.create_task(fake.get_updates({"offset": 2, "timeout": 30}))
    second = asyncio.create_task(fake.get_updates({"offset": 2, "timeout": 0}))
    assert ok(await second) == []
    assert error(await asyncio.wait_for(first, 5)) == (
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )


def test_webhook_blocks_polling(fake: FakeTelegram) -> None:
    ok(fake.call("setWebhook", {"url": "https://example.com/hook"}))
    assert error(fake.call("getUpdates", {}))[0] == 409
    assert ok(fake.call("getWebhookInfo", {}))["pending_update_count"] == 1
    ok(fake.call("deleteWebhook", {"drop_pending_updates": True}))
    assert ok(fake.call("getUpdates", {})) == []


def test_allowed_updates_filter_new_updates(fake: FakeTelegram) -> None:
    ok(fake.call("getUpdates", {"offset": 2, "allowed_updates": json.dumps(["callback_query"])}))
    fake.send_text(ALICE, "ignored")
    assert ok(fake.call("getUpdates", {})) == []


# ------------------------------------------------------------------ faults


def test_fault_injection(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", Fault.retry_after(7), times=2)
    for _ in range(2):
        assert send(fake) == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
    assert fake.sent() == []  # failed calls change nothing
    assert fake.calls[-1].fault == Fault.retry_after(7)
    ok(send(fake))

    fake.fail_next(None, Fault.server_error(502, "Bad Gateway"))
    ok(fake.call("getUpdates", {}))  # "any method" leaves the poller alone
    assert error(fake.call("sendChatAction", {"chat_id": ALICE, "action": "typing"})) == (
        502,
        "Bad Gateway",
    )
    fake.fail_next("sendMessage", Fault.bad_request("chat not found"))
    assert error(send(fake)) == (400, "Bad Request: chat not found")
    fake.fail_next("sendMessage", Fault.forbidden())
    assert error(send(fake)) == (403, "Forbidden: bot was blocked by the user")


def test_timeouts(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", Fault.timeout())
    with pytest.raises(FakeTimeout):
        send(fake, "lost")
    assert fake.sent() == []
    assert fake.calls[-1].status == 0
    # The nasty kind: Telegram did send the message, only the answer was lost.
    fake.fail_next("sendMessage", Fault.timeout(delivered=True))
    with pytest.raises(FakeTimeout):
        send(fake, "delivered")
    assert [message["text"] for message in fake.sent()] == ["delivered"]


def test_flood_limits_when_enabled(clock: Clock) -> None:
    ticks = [0.0]
    fake = FakeTelegram(TOKEN, flood_limits=True, monotonic=lambda: ticks[0], now=clock)
    fake.add_user(ALICE, "爱丽丝")
    fake.send_text(ALICE, "/start")
    for _ in range(3):
        ok(send(fake))
    status, body = send(fake)
    assert status == 429
    assert body["parameters"] == {"retry_after": 1}
    ticks[0] += 1.0
    ok(send(fake))


# ----------------------------------------------------------------- commands


def test_commands_by_scope_and_language(fake: FakeTelegram) -> None:
    default = [{"command": "start", "description": "开始"}]
    english = [{"command": "start", "description": "Start"}]
    private = {"type": "all_private_chats"}
    ok(fake.call("setMyCommands", {"commands": json.dumps(default)}))
    ok(fake.call("setMyCommands", {"commands": english, "scope": private, "language_code": "en"}))
    assert ok(fake.call("getMyCommands", {})) == default
    assert ok(fake.call("getMyCommands", {"scope": private})) == []
    assert ok(fake.call("getMyCommands", {"scope": private, "language_code": "en"})) == english
    assert fake.visible_commands(ALICE) == default
    assert fake.visible_commands(ALICE, "en") == english
    bad = [{"command": "Start", "description": "x"}]
    assert error(fake.call("setMyCommands", {"commands": bad})) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )
    ok(fake.call("deleteMyCommands", {}))
    assert ok(fake.call("getMyCommands", {})) == []


# ---------------------------------------------------------- PTB end to end


@pytest.mark.asyncio
async def test_real_ptb_bot_against_the_fake(fake: FakeTelegram) -> None:
    bot = Bot(TOKEN, request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    await bot.initialize()  # calls getMe
    assert bot.username == "trainee_test_bot"
    try:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="好" * 21)]])
        message = await bot.send_message(ALICE, "<b>hi</b>", parse_mode="HTML", reply_markup=markup)
        assert message.text == "hi"
        assert message.reply_markup == markup
        assert fake.calls_of("sendMessage")[-1].params["reply_markup"] == markup.to_dict()

        faults = [
            (Fault.retry_after(3), RetryAfter),
            (Fault.forbidden(), Forbidden),
            (Fault.bad_request("message text is empty"), BadRequest),
            (Fault.timeout(), TimedOut),
            (Fault.server_error(500), NetworkError),
            (Fault.server_error(502, "Bad Gateway"), NetworkError),
        ]
        for fault, expected in faults:
            fake.fail_next("sendMessage", fault)
            with pytest.raises(expected):
                await bot.send_message(ALICE, "x")
        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
            await bot.send_message(ALICE, "<div>x</div>", parse_mode="HTML")

        updates = await bot.get_updates(offset=0, timeout=0)
        assert [update.message.text for update in updates] == ["/start"]
        asyncio.get_running_loop().call_soon(fake.press, ALICE, message.message_id, "好" * 21)
        updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=30)
        query = updates[0].callback_query
        assert query.data == "好" * 21
        assert await query.answer("收到")

        # A photo replaced by an upload, as the /code message is renewed each minute.
        photo = await bot.send_photo(ALICE, b"PNG-1", caption="一")
        renewed = await bot.edit_message_media(
            InputMediaPhoto(b"PNG-2", caption="<b>二</b>", parse_mode="HTML"),
            chat_id=ALICE,
            message_id=photo.message_id,
        )
        assert renewed.caption == "二"
        assert fake.file(renewed.photo[-1].file_id).content == b"PNG-2"

        fake.send_document(ALICE, "a.txt", b"hello")
        updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        file = await updates[0].message.document.get_file()
        assert bytes(await file.download_as_bytearray()) == b"hello"
    finally:
        await bot.shutdown()


@pytest.mark.asyncio
async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    bot = Bot("999:WRONG", request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    with pytest.raises(InvalidToken):
        await bot.initialize()


@pytest.mark.asyncio
async def test_application_polls_the_fake(fake: FakeTelegram) -> None:
    replied = asyncio.Event()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("<b>欢迎</b>", parse_mode="HTML")
        replied.set()

    app = (
        Application.builder()
        .token(TOKEN)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=30)
        # The /start from the fixture is already queued; the long poll picks it up.
        await asyncio.wait_for(replied.wait(), 5)
        await app.updater.stop()
        await app.stop()
    shown = fake.last_bot_message(ALICE)
    assert shown is not None
    assert shown.text == "欢迎"
    assert fake.pending_updates() == []  # stopping the updater confirmed the update
