"""Configuration: environment variables, overridden by command-line flags, validated once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.rules.locales import Locale, parse_locale

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DB = "./trainee-bot.sqlite3"
DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_LOCALE: Locale = "zh"
# ratings: the school's marks in /instructors (issue 7's defaults).
DEFAULT_RATING_LOW_PCT = 80
DEFAULT_EXCELLENT_PCT = 95
DEFAULT_EXCELLENT_MIN_RESPONSES = 10
# Upkeep (bot/upkeep.py): how long sent notices are kept, and the daily backups.
DEFAULT_OUTBOX_KEEP_DAYS = 14
MIN_OUTBOX_KEEP_DAYS = 8  # longer than any job stays useful (rating summaries: 7 days)
DEFAULT_BACKUP_KEEP = 7

# Each setting: (environment variable, flag destination).
ENV_VARS = {
    "token": "TRAINEE_BOT_TOKEN",
    "api_url": "TRAINEE_BOT_API_URL",
    "db": "TRAINEE_BOT_DB",
    "tz": "TRAINEE_BOT_TZ",
    "locale": "TRAINEE_BOT_LOCALE",
    # ratings:
    "rating_low_pct": "TRAINEE_BOT_RATING_LOW_PCT",
    "excellent_pct": "TRAINEE_BOT_EXCELLENT_PCT",
    "excellent_min_responses": "TRAINEE_BOT_EXCELLENT_MIN_RESPONSES",
    # upkeep:
    "outbox_keep_days": "TRAINEE_BOT_OUTBOX_KEEP_DAYS",
    "backup_dir": "TRAINEE_BOT_BACKUP_DIR",
    "backup_keep": "TRAINEE_BOT_BACKUP_KEEP",
    # graduation: the key of the certificates' verification codes
    "cert_secret": "TRAINEE_BOT_CERT_SECRET",
}
# graduation: a configured certificate secret is at least this long.
MIN_CERT_SECRET_CHARS = 16
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
# A token anywhere in a string: digits, a colon, then the secret part (BotFather's is 35).
_HOLDS_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


class Secret:
    """A value that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself: only to hand it to the library that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


class ConfigError(Exception):
    """The configuration is invalid; ``problems`` says every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    """The validated configuration of one bot process."""

    token: Secret | None
    api_url: str
    db_path: Path
    timezone: str
    locale: Locale
    # ratings: an instructor under this satisfaction (%) is marked in /instructors; a lecture
    # at excellent_pct or more with at least excellent_min_responses is a 精品课 candidate.
    rating_low_pct: int = DEFAULT_RATING_LOW_PCT
    excellent_pct: int = DEFAULT_EXCELLENT_PCT
    excellent_min_responses: int = DEFAULT_EXCELLENT_MIN_RESPONSES
    # upkeep: sent notices kept this many days; a daily backup into backup_dir, the last
    # backup_keep of them kept (no backups without a folder).
    outbox_keep_days: int = DEFAULT_OUTBOX_KEEP_DAYS
    backup_dir: Path | None = None
    backup_keep: int = DEFAULT_BACKUP_KEEP
    # graduation: the certificates' secret; None: the bot makes one and keeps it in the database
    cert_secret: Secret | None = None

    @property
    def base_url(self) -> str:
        """The Bot API method root PTB wants (``<api>/bot``; PTB appends the token)."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """The Bot API file download root (``<api>/file/bot``)."""
        return f"{self.api_url}/file/bot"


def load_config(
    env: Mapping[str, str], overrides: Mapping[str, str | None] | None = None
) -> Config:
    """Build the Config from the environment and flags (flags win); raise ConfigError."""
    overrides = overrides or {}

    def pick(key: str, default: str | None) -> str | None:
        flag = overrides.get(key)
        if flag is not None:
            return flag
        value = env.get(ENV_VARS[key])
        return value if value not in (None, "") else default

    problems: list[str] = []

    raw_token = pick("token", None)
    token = None
    if raw_token is not None:
        raw_token = raw_token.strip()
        if not _TOKEN_SHAPE.match(raw_token):
            # Never echo the value: a mistyped token is still mostly a token.
            problems.append(
                f"{ENV_VARS['token']}: not a bot token (expected the form 123456:ABC..., "
                "as BotFather gives it)"
            )
        else:
            token = Secret(raw_token)

    api_url = (pick("api_url", DEFAULT_API_URL) or "").strip().rstrip("/")
    parts = urlsplit(api_url)
    if _HOLDS_TOKEN.search(api_url):
        # Never echo it: the token is in there.
        problems.append(
            f"{ENV_VARS['api_url']}: it holds a bot token; give the server's root only "
            f"(e.g. https://api.telegram.org) and the token in {ENV_VARS['token']}"
        )
    elif parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            f"{ENV_VARS['api_url']}: {api_url!r} is not an http(s) URL "
            "(e.g. https://api.telegram.org or http://127.0.0.1:8081)"
        )
    elif parts.path.endswith("/bot") or parts.query:
        problems.append(
            f"{ENV_VARS['api_url']}: give the server's root, without /bot or a query "
            f"(got {api_url!r})"
        )

    db_path = Path(pick("db", DEFAULT_DB) or DEFAULT_DB).expanduser()
    if db_path.exists() and db_path.is_dir():
        problems.append(f"{ENV_VARS['db']}: {db_path} is a folder, not a database file")
    elif not db_path.parent.exists():
        problems.append(f"{ENV_VARS['db']}: the folder {db_path.parent} does not exist")

    tz = (pick("tz", DEFAULT_TZ) or DEFAULT_TZ).strip()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{ENV_VARS['tz']}: unknown time zone {tz!r} (e.g. Asia/Shanghai)")

    raw_locale = pick("locale", DEFAULT_LOCALE)
    locale = parse_locale(raw_locale)
    if locale is None:
        problems.append(f"{ENV_VARS['locale']}: {raw_locale!r} is not a language: use zh or en")

    def whole(key: str, default: int, low: int, high: int | None, what: str) -> int:
        raw = (pick(key, str(default)) or str(default)).strip()
        value = int(raw) if re.fullmatch(r"\d+", raw) else None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            problems.append(
                f"{ENV_VARS[key]}: {raw!r} is not {what}: give a whole number {bounds} "
                f"(default {default})"
            )
            return default
        return value

    rating_low_pct = whole("rating_low_pct", DEFAULT_RATING_LOW_PCT, 0, 100, "a percentage")
    excellent_pct = whole("excellent_pct", DEFAULT_EXCELLENT_PCT, 0, 100, "a percentage")
    excellent_min = whole(
        "excellent_min_responses", DEFAULT_EXCELLENT_MIN_RESPONSES, 1, None, "a number of answers"
    )

    outbox_keep_days = whole(
        "outbox_keep_days", DEFAULT_OUTBOX_KEEP_DAYS, MIN_OUTBOX_KEEP_DAYS, None, "a number of days"
    )
    backup_keep = whole("backup_keep", DEFAULT_BACKUP_KEEP, 1, None, "a number of backups")
    raw_backup_dir = pick("backup_dir", None)
    backup_dir = Path(raw_backup_dir).expanduser() if raw_backup_dir else None
    if backup_dir is not None and not backup_dir.is_dir():
        problems.append(f"{ENV_VARS['backup_dir']}: {backup_dir} is not an existing folder")

    raw_cert_secret = (pick("cert_secret", None) or "").strip()
    cert_secret = Secret(raw_cert_secret) if raw_cert_secret else None
    if cert_secret is not None and len(raw_cert_secret) < MIN_CERT_SECRET_CHARS:
        # Never echo it.
        problems.append(
            f"{ENV_VARS['cert_secret']}: too short to keep certificates from being forged: "
            f"give at least {MIN_CERT_SECRET_CHARS} random characters"
        )

    if problems:
        raise ConfigError(problems)
    return Config(
        token=token,
        api_url=api_url,
        db_path=db_path,
        timezone=tz,
        locale=locale or DEFAULT_LOCALE,
        rating_low_pct=rating_low_pct,
        excellent_pct=excellent_pct,
        excellent_min_responses=excellent_min,
        outbox_keep_days=outbox_keep_days,
        backup_dir=backup_dir,
        backup_keep=backup_keep,
        cert_secret=cert_secret,
    )
