"""Logging set-up that never writes the bot token."""

from __future__ import annotations

import logging
from collections.abc import Iterable

_REDACTED = "<token>"


class RedactingFormatter(logging.Formatter):
    """Formats records, then removes every secret from the text, tracebacks included."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Return the formatted record with secrets replaced."""
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret in text; the token's bot id part alone is not secret."""
    for secret in secrets:
        text = text.replace(secret, _REDACTED)
    return text


_SECRETS: set[str] = set()
_factory_installed = False


def install_record_redaction(secrets: Iterable[str]) -> None:
    """Redact secrets from every log record at creation, whatever handler receives it.

    The formatter above covers our own handler; this covers any other handler (a test's
    capture, a library's own) by rewriting the message before anyone sees it. Installing
    twice only adds secrets: the record factory is wrapped once.
    """
    global _factory_installed
    _SECRETS.update(s for s in secrets if s)
    if _factory_installed or not _SECRETS:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(message, _SECRETS)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def setup_logging(level: str | int = "INFO", secrets: Iterable[str] = ()) -> None:
    """Configure the root logger for a bot process."""
    secrets = list(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler announces every job run at INFO: noise at this volume.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Whatever level is asked for, these never log below INFO: at DEBUG aiosqlite writes
    # every statement with its parameters and PTB every update with its contents, and a
    # rating's scores or comment next to a user id must never reach a log.
    for name in ("aiosqlite", "telegram", "asyncio"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logging.getLogger().level))
    install_record_redaction(secrets)
