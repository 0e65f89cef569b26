"""Injected failures: what the fake Telegram answers instead of doing the work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class FakeTimeout(Exception):
    """Raised by FakeTelegram.call() when a timeout fault fires: no response arrives.

    FakeRequest turns it into telegram.error.TimedOut.
    """

    def __init__(self, method: str, *, delivered: bool) -> None:
        super().__init__(f"{method}: timed out (injected fault, delivered={delivered})")
        self.method = method
        self.delivered = delivered


@dataclass(frozen=True)
class Fault:
    """One failure Telegram (or the network) may produce; build it with the class methods."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None
    is_timeout: bool = False
    # Only for timeouts: the request reached Telegram and took effect, only the
    # answer was lost – the case that makes naive retries send duplicates.
    delivered: bool = False

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        """429 Too Many Requests with parameters.retry_after."""
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def forbidden(cls, description: str = "Forbidden: bot was blocked by the user") -> Fault:
        """403, e.g. blocked by the user or kicked from the group."""
        return cls(403, description)

    @classmethod
    def bad_request(cls, description: str) -> Fault:
        """400; "Bad Request: " is prepended when missing, as Telegram always has it."""
        if not description.startswith("Bad Request"):
            description = f"Bad Request: {description}"
        return cls(400, description)

    @classmethod
    def server_error(cls, status: int = 500, description: str = "Internal Server Error") -> Fault:
        """A 5xx answer (500 Internal Server Error, 502 Bad Gateway, ...)."""
        return cls(status, description)

    @classmethod
    def timeout(cls, *, delivered: bool = False) -> Fault:
        """No answer at all; with ``delivered=True`` the request still took effect."""
        return cls(0, "timed out", is_timeout=True, delivered=delivered)

    def response(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this fault (timeouts have none)."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


@dataclass
class _PlannedFault:
    method: str | None  # lower-case method name, None = any method but getUpdates
    fault: Fault
    remaining: int


class FaultPlan:
    """The queue of faults still to fire, first planned first served."""

    def __init__(self) -> None:
        self._planned: list[_PlannedFault] = []

    def add(self, method: str | None, fault: Fault, times: int = 1) -> None:
        """Let the next ``times`` calls of ``method`` fail with ``fault``."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._planned.append(_PlannedFault(method.lower() if method else None, fault, times))

    def take(self, method: str) -> Fault | None:
        """Consume and return the fault for this call of ``method``, if one is planned."""
        name = method.lower()
        for planned in self._planned:
            # "Any method" skips getUpdates: a running Application polls all the
            # time, and a fault meant for a send must not be eaten by the poller.
            if planned.method == name or (planned.method is None and name != "getupdates"):
                planned.remaining -= 1
                if planned.remaining == 0:
                    self._planned.remove(planned)
                return planned.fault
        return None

    def clear(self) -> None:
        """Forget all planned faults."""
        self._planned.clear()

    def __len__(self) -> int:
        return sum(planned.remaining for planned in self._planned)
