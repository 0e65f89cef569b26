"""The `trainee-bot sandbox` command line: defaults, help, and a production environment ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import _config, build_parser


def test_defaults() -> None:
    args = build_parser().parse_args(["sandbox"])
    assert (args.port, args.keep, args.flood_limits) == (8088, False, False)
    assert args.db == Path("trainee-bot-sandbox.sqlite3")


def test_flags() -> None:
    args = build_parser().parse_args(
        ["sandbox", "--port", "9000", "--keep", "--db", "x.sqlite3", "--flood-limits"]
    )
    assert (args.port, args.keep, args.db, args.flood_limits) == (
        9000,
        True,
        Path("x.sqlite3"),
        True,
    )


def test_help_names_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["sandbox", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--port", "--keep", "--db", "--flood-limits"):
        assert flag in text
    assert "no token" in text


def test_production_settings_never_reach_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real token, a real API and a production database in the environment: all ignored,
    # even a malformed token does not stop the sandbox.
    monkeypatch.setenv("TRAINEE_BOT_TOKEN", "not-a-token")
    monkeypatch.setenv("TRAINEE_BOT_API_URL", "https://api.telegram.org")
    monkeypatch.setenv("TRAINEE_BOT_DB", "/srv/school/production.sqlite3")
    monkeypatch.setenv("TRAINEE_BOT_LOCALE", "en")
    config = _config(build_parser().parse_args(["sandbox"]))
    assert config.token is None
    assert config.api_url == "https://api.telegram.org"  # the default; the sandbox sets its own
    assert config.db_path != Path("/srv/school/production.sqlite3")
    assert config.locale == "en"  # language and time zone do carry over
