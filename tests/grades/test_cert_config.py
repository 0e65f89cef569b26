"""The certificates' secret in the configuration: checked, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def test_a_configured_secret_is_kept_hidden_and_a_short_one_refused(tmp_path: Path) -> None:
    env = {"TRAINEE_BOT_DB": str(tmp_path / "bot.sqlite3")}
    assert load_config(env).cert_secret is None  # the bot makes one and keeps it
    secret = "k3y-of-the-school-2026-xyz"
    config = load_config({**env, "TRAINEE_BOT_CERT_SECRET": secret})
    assert config.cert_secret is not None and config.cert_secret.reveal() == secret
    assert secret not in repr(config) and secret not in str(config)
    with pytest.raises(ConfigError) as refused:
        load_config({**env, "TRAINEE_BOT_CERT_SECRET": "short-one"})
    [problem] = refused.value.problems
    assert problem.startswith("TRAINEE_BOT_CERT_SECRET: too short") and "short-one" not in problem
