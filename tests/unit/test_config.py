"""Configuration is validated once, with one clear line per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config({})
    assert config.token is None
    assert config.api_url == "https://api.telegram.org"
    assert config.base_url == "https://api.telegram.org/bot"
    assert config.base_file_url == "https://api.telegram.org/file/bot"
    assert config.db_path == Path("trainee-bot.sqlite3")
    assert config.timezone == "Asia/Shanghai"
    assert config.locale == "zh"
    assert (config.rating_low_pct, config.excellent_pct, config.excellent_min_responses) == (
        80,
        95,
        10,
    )


def test_flags_override_environment(tmp_path: Path) -> None:
    env = {
        "TRAINEE_BOT_TOKEN": TOKEN,
        "TRAINEE_BOT_API_URL": "http://127.0.0.1:8081/",
        "TRAINEE_BOT_DB": str(tmp_path / "a.db"),
        "TRAINEE_BOT_LOCALE": "zh",
    }
    config = load_config(env, {"db": str(tmp_path / "b.db"), "locale": "en", "token": None})
    assert config.token is not None and config.token.reveal() == TOKEN
    assert config.api_url == "http://127.0.0.1:8081"
    assert config.db_path == tmp_path / "b.db"
    assert config.locale == "en"


def test_every_bad_value_is_reported_and_the_token_never_echoed(tmp_path: Path) -> None:
    bad_token = "not-a-token-but-secret-ish"
    env = {
        "TRAINEE_BOT_TOKEN": bad_token,
        "TRAINEE_BOT_API_URL": "ftp://example.org",
        "TRAINEE_BOT_DB": str(tmp_path / "missing" / "x.db"),
        "TRAINEE_BOT_TZ": "Mars/Olympus",
        "TRAINEE_BOT_LOCALE": "fr",
    }
    with pytest.raises(ConfigError) as caught:
        load_config(env)
    problems = caught.value.problems
    assert len(problems) == 5
    for name in ("TOKEN", "API_URL", "DB", "TZ", "LOCALE"):
        assert any(p.startswith(f"TRAINEE_BOT_{name}:") for p in problems)
    assert bad_token not in str(caught.value)


def test_api_url_with_bot_path_is_refused() -> None:
    with pytest.raises(ConfigError, match="without /bot"):
        load_config({"TRAINEE_BOT_API_URL": "https://api.telegram.org/bot"})


def test_token_hides_in_repr() -> None:
    config = load_config({"TRAINEE_BOT_TOKEN": TOKEN})
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config.token)


def test_rating_thresholds_come_from_the_environment() -> None:
    config = load_config(
        {
            "TRAINEE_BOT_RATING_LOW_PCT": "70",
            "TRAINEE_BOT_EXCELLENT_PCT": " 90 ",
            "TRAINEE_BOT_EXCELLENT_MIN_RESPONSES": "25",
        }
    )
    assert (config.rating_low_pct, config.excellent_pct, config.excellent_min_responses) == (
        70,
        90,
        25,
    )
    edges = load_config(
        {"TRAINEE_BOT_RATING_LOW_PCT": "0", "TRAINEE_BOT_EXCELLENT_PCT": "100"}
        | {"TRAINEE_BOT_EXCELLENT_MIN_RESPONSES": "1"}
    )
    assert (edges.rating_low_pct, edges.excellent_pct, edges.excellent_min_responses) == (
        0,
        100,
        1,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRAINEE_BOT_RATING_LOW_PCT", "eighty"),
        ("TRAINEE_BOT_RATING_LOW_PCT", "101"),
        ("TRAINEE_BOT_RATING_LOW_PCT", "-5"),
        ("TRAINEE_BOT_EXCELLENT_PCT", "95%"),
        ("TRAINEE_BOT_EXCELLENT_PCT", "92.5"),
        ("TRAINEE_BOT_EXCELLENT_MIN_RESPONSES", "0"),
        ("TRAINEE_BOT_EXCELLENT_MIN_RESPONSES", "ten"),
    ],
)
def test_a_bad_rating_threshold_is_one_clear_problem(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: value})
    [problem] = caught.value.problems
    assert problem.startswith(f"{name}: {value!r} is not ")
    assert "whole number" in problem and "default" in problem
