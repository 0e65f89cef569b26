"""Telegram's rules as pure functions: HTML parsing, lengths, markup, commands, flood limits."""

from __future__ import annotations

from typing import Any

import pytest

from bot.testing.rules import (
    FloodLimiter,
    TelegramRuleError,
    check_bot_commands,
    check_callback_answer_text,
    check_caption,
    check_message_text,
    check_reply_markup,
    format_text,
    parse_html,
    prepare_message_text,
    utf16_len,
)

PARSE = "Bad Request: can't parse entities: "


def refusal(call: Any, *args: Any, **kwargs: Any) -> TelegramRuleError:
    """Run ``call`` and return the TelegramRuleError it must raise."""
    with pytest.raises(TelegramRuleError) as caught:
        call(*args, **kwargs)
    return caught.value


class FakeClock:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ------------------------------------------------------------------------ HTML


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>hi</b>", "hi", [{"type": "bold", "offset": 0, "length": 2}]),
        ("<b>&amp;</b>", "&", [{"type": "bold", "offset": 0, "length": 1}]),
        ("&lt;&gt;&quot;&#65;&#x42;", '<>"AB', []),
        ("<strong>a</strong><em>b</em><ins>c</ins>", "abc", None),
        (
            '<a href="https://example.com">site</a>',
            "site",
            [{"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/"}],
        ),
        (
            "<a href='https://e.com/?a=1&amp;b=2'>x</a>",
            "x",
            [{"type": "text_link", "offset": 0, "length": 1, "url": "https://e.com/?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        ("<pre>p</pre>", "p", [{"type": "pre", "offset": 0, "length": 1}]),
        ("<code>c</code>", "c", [{"type": "code", "offset": 0, "length": 1}]),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        ("<blockquote>q</blockquote>", "q", [{"type": "blockquote", "offset": 0, "length": 1}]),
        ('<span class="tg-spoiler">s</span>', "s", [{"type": "spoiler", "offset": 0, "length": 1}]),
        ("<tg-spoiler>s</tg-spoiler>", "s", [{"type": "spoiler", "offset": 0, "length": 1}]),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "type": "custom_emoji",
                    "offset": 0,
                    "length": 2,
                    "custom_emoji_id": "5368324170671202286",
                }
            ],
        ),
        # Offsets are UTF-16: the emoji counts twice, the Chinese characters once.
        ("😀<i>你好</i>", "😀你好", [{"type": "italic", "offset": 2, "length": 2}]),
        ("<B>upper</B>", "upper", [{"type": "bold", "offset": 0, "length": 5}]),
        ("<b></b>x", "x", []),  # empty entities are dropped
        ("a > b", "a > b", []),  # Telegram tolerates a bare ">"
    ],
)
def test_parse_html_accepts_telegram_html(
    html: str, text: str, entities: list[dict[str, Any]] | None
) -> None:
    plain, found = parse_html(html)
    assert plain == text
    if entities is not None:
        assert found == entities


def test_nested_entities_are_sorted_outer_first() -> None:
    _, found = parse_html("<b>a<i>b</i></b>")
    assert found == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
    ]


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("<b>&</b>", 'Unescaped "&" at byte offset 3'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("你好<div>", 'Unsupported start tag "div" at byte offset 6'),  # offsets are in bytes
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_parse_html_refuses_like_telegram(html: str, description: str) -> None:
    assert refusal(parse_html, html).description == PARSE + description


def test_parse_errors_are_400() -> None:
    error = refusal(parse_html, "<b>x")
    assert error.error_code == 400
    assert error.to_response() == {
        "ok": False,
        "error_code": 400,
        "description": PARSE + 'Can\'t find end tag corresponding to start tag "b"',
    }


def test_text_is_trimmed_and_entities_follow() -> None:
    assert format_text("  <b> hi </b> \n", "HTML") == (
        "hi",
        [{"type": "bold", "offset": 0, "length": 2}],
    )


def test_unknown_parse_mode_is_refused() -> None:
    assert (
        refusal(format_text, "x", "Markdown3").description == "Bad Request: unsupported parse_mode"
    )


# --------------------------------------------------------------------- lengths


def test_text_length_counts_after_entity_parsing() -> None:
    check_message_text("<b>" + "a" * 4096 + "</b>", "HTML")
    check_message_text("&amp;" * 4096, "HTML")  # 20480 characters sent, 4096 shown
    error = refusal(check_message_text, "<b>" + "a" * 4097 + "</b>", "HTML")
    assert error.description == "Bad Request: message is too long"


def test_text_length_counts_utf16_code_units() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len("你") == 1
    check_message_text("😀" * 2048, None)
    assert refusal(check_message_text, "😀" * 2049, None).description == (
        "Bad Request: message is too long"
    )
    check_message_text("你" * 4096, None)


@pytest.mark.parametrize("text", [None, "", "<b></b>", "<b> </b>", " \n "])
def test_empty_text_is_refused(text: str | None) -> None:
    error = refusal(check_message_text, text, "HTML")
    assert error.description == "Bad Request: message text is empty"


def test_plain_text_keeps_html_characters() -> None:
    assert prepare_message_text("<b>&", None) == ("<b>&", [])


def test_caption_limits() -> None:
    check_caption(None, None)
    check_caption("", "HTML")
    check_caption("<i>" + "字" * 1024 + "</i>", "HTML")
    error = refusal(check_caption, "字" * 1025, None)
    assert error.description == "Bad Request: message caption is too long"


def test_callback_answer_text_limit() -> None:
    check_callback_answer_text("好" * 200)
    error = refusal(check_callback_answer_text, "好" * 201)
    assert error.description == "Bad Request: MESSAGE_TOO_LONG"


# ---------------------------------------------------------------- reply markup


def inline(*buttons: dict[str, Any]) -> dict[str, Any]:
    """An inline keyboard with one row."""
    return {"inline_keyboard": [list(buttons)]}


def test_callback_data_is_limited_to_64_utf8_bytes() -> None:
    data_64 = "好" * 21 + "a"  # 21 * 3 + 1 = 64 bytes
    data_65 = "好" * 21 + "ab"
    check_reply_markup(inline({"text": "OK", "callback_data": data_64}))
    error = refusal(check_reply_markup, inline({"text": "OK", "callback_data": data_65}))
    assert error.description == "Bad Request: BUTTON_DATA_INVALID"
    # 22 characters only, but 66 bytes.
    assert len("好" * 22) < 64
    assert refusal(check_reply_markup, inline({"text": "OK", "callback_data": "好" * 22}))


@pytest.mark.parametrize(
    ("button", "description"),
    [
        (
            {"text": "no action"},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"text": "empty data", "callback_data": ""},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        ({"text": "", "callback_data": "x"}, "Bad Request: BUTTON_TEXT_INVALID"),
        (
            {"callback_data": "x"},
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            {"text": "x", "callback_data": None},
            "Bad Request: can't parse inline keyboard button: "
            'Field "callback_data" must be of type String',
        ),
    ],
)
def test_bad_inline_buttons(button: dict[str, Any], description: str) -> None:
    assert refusal(check_reply_markup, inline(button)).description == description


def test_inline_button_needs_exactly_one_action() -> None:
    error = refusal(
        check_reply_markup, inline({"text": "x", "callback_data": "a", "url": "https://e.com"})
    )
    assert "exactly one" in error.description
    check_reply_markup(inline({"text": "site", "url": "https://example.com"}))
    error = refusal(check_reply_markup, inline({"text": "ftp", "url": "ftp://example.com"}))
    assert error.description.startswith("Bad Request: inline keyboard button URL")


def test_reply_keyboards_and_removal_are_accepted() -> None:
    check_reply_markup(
        {
            "keyboard": [["文本"], [{"text": "分享手机号", "request_contact": True}]],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
    )
    check_reply_markup({"keyboard": [[{"text": "位置", "request_location": True}]]})
    check_reply_markup({"remove_keyboard": True})
    check_reply_markup({"force_reply": True})


def test_contact_and_location_requests_only_in_private_chats() -> None:
    contact = {"keyboard": [[{"text": "手机号", "request_contact": True}]]}
    location = {"keyboard": [[{"text": "位置", "request_location": True}]]}
    assert refusal(check_reply_markup, contact, private_chat=False).description == (
        "Bad Request: phone number can be requested in private chats only"
    )
    assert refusal(check_reply_markup, location, private_chat=False).description == (
        "Bad Request: location can be requested in private chats only"
    )


# --------------------------------------------------------------------- commands


def test_bot_commands() -> None:
    assert check_bot_commands([{"command": "start", "description": "开始"}]) == [
        {"command": "start", "description": "开始"}
    ]
    for command in ("Start", "/start", "a" * 33, ""):
        error = refusal(check_bot_commands, [{"command": command, "description": "d"}])
        assert error.description == "Bad Request: BOT_COMMAND_INVALID"
    check_bot_commands([{"command": "a" * 32, "description": "d" * 256}])
    error = refusal(check_bot_commands, [{"command": "a", "description": "d" * 257}])
    assert error.description == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    many = [{"command": f"c{i}", "description": "d"} for i in range(101)]
    assert refusal(check_bot_commands, many).description == "Bad Request: BOT_COMMANDS_TOO_MUCH"


# ------------------------------------------------------------------ flood limits


def retry_after(limiter: FloodLimiter, chat_id: int) -> int:
    """The retry_after of the 429 the next send must get."""
    error = refusal(limiter.check, chat_id)
    assert error.error_code == 429
    assert error.description == f"Too Many Requests: retry after {error.parameters['retry_after']}"
    return int(error.parameters["retry_after"])


def test_private_chat_allows_a_short_burst_then_one_per_second() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock)
    for _ in range(3):
        limiter.check(1)
    assert retry_after(limiter, 1) == 1
    limiter.check(2)  # other chats are not affected
    clock.now += 1.0
    limiter.check(1)
    assert retry_after(limiter, 1) >= 1


def test_group_allows_twenty_per_minute() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock)
    for _ in range(20):
        limiter.check(-100)
        clock.now += 0.1
    wait = retry_after(limiter, -100)
    assert 50 <= wait <= 60
    clock.now += wait
    limiter.check(-100)


def test_thirty_per_second_overall() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock)
    for chat_id in range(1, 31):
        limiter.check(chat_id)
    assert retry_after(limiter, 31) == 1
    clock.now += 1.0
    limiter.check(31)


def test_disabled_limiter_never_refuses() -> None:
    limiter = FloodLimiter(FakeClock(), enabled=False)
    for _ in range(100):
        limiter.check(1)
