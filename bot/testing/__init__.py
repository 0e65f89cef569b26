"""A Telegram Bot API double: rules, an in-memory server and a PTB request adapter."""

from bot.testing.fake_telegram import SENDER, FakeTelegram
from bot.testing.faults import FakeTimeout, Fault
from bot.testing.request import FakeRequest
from bot.testing.rules import FloodLimiter, TelegramRuleError, parse_html
from bot.testing.state import RecordedCall, ShownMessage

__all__ = [
    "SENDER",
    "FakeRequest",
    "FakeTelegram",
    "FakeTimeout",
    "Fault",
    "FloodLimiter",
    "RecordedCall",
    "ShownMessage",
    "TelegramRuleError",
    "parse_html",
]
