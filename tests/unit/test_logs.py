"""The token never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFormatter, install_record_redaction, setup_logging

TOKEN = "987654:SECRETsecretSECRETsecret_-0123456789"


def test_records_are_redacted_whatever_handler_reads_them(caplog: pytest.LogCaptureFixture) -> None:
    install_record_redaction([TOKEN])
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    assert TOKEN not in caplog.text
    assert "bot<token>/getMe" in caplog.text


def test_formatter_redacts_tracebacks() -> None:
    formatter = RedactingFormatter("%(message)s", [TOKEN])
    try:
        raise RuntimeError(f"failed to reach /bot{TOKEN}/getUpdates")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops", (), None)
        import sys

        record.exc_info = sys.exc_info()
    assert TOKEN not in formatter.format(record)


def test_setup_silences_the_request_url_loggers() -> None:
    setup_logging("DEBUG", [TOKEN])
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING
