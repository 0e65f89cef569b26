"""The error Telegram answers with, as an exception the fake raises internally."""

from __future__ import annotations

from typing import Any


class TelegramRuleError(Exception):
    """Telegram refused a request; carries the Bot API error fields."""

    def __init__(
        self,
        description: str,
        error_code: int = 400,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters

    def to_response(self) -> dict[str, Any]:
        """Return the error as the JSON body Telegram sends."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(message: str) -> TelegramRuleError:
    """Build a 400 error with Telegram's "Bad Request: " prefix."""
    return TelegramRuleError(f"Bad Request: {message}")


def too_many_requests(retry_after: int) -> TelegramRuleError:
    """The 429 error Telegram sends, with parameters.retry_after."""
    return TelegramRuleError(
        f"Too Many Requests: retry after {retry_after}",
        error_code=429,
        parameters={"retry_after": retry_after},
    )
