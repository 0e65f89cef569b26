"""The rotating code and the distance check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.rules import checkin_code, geo

T = datetime(2026, 12, 7, 0, 31, 0, tzinfo=UTC)
SECRET = "0123456789abcdef0123456789abcdef"


def test_code_is_six_digits_and_stable_within_a_minute() -> None:
    code = checkin_code.code_at(SECRET, T)
    assert len(code) == 6 and code.isdigit()
    assert checkin_code.code_at(SECRET, T + timedelta(seconds=59)) == code


def test_code_changes_each_minute_and_with_the_secret() -> None:
    codes = {checkin_code.code_at(SECRET, T + timedelta(minutes=m)) for m in range(30)}
    assert len(codes) >= 29
    assert checkin_code.code_at("another", T) != checkin_code.code_at(SECRET, T)


def test_current_and_previous_minute_valid_older_and_future_not() -> None:
    now = T + timedelta(seconds=10)
    assert checkin_code.verify(SECRET, checkin_code.code_at(SECRET, now), now)
    previous = checkin_code.code_at(SECRET, now - timedelta(minutes=1))
    assert checkin_code.verify(SECRET, previous, now)
    older = checkin_code.code_at(SECRET, now - timedelta(minutes=2))
    assert not checkin_code.verify(SECRET, older, now)
    future = checkin_code.code_at(SECRET, now + timedelta(minutes=1))
    assert not checkin_code.verify(SECRET, future, now)


def test_the_minute_turns_exactly_on_the_minute() -> None:
    assert checkin_code.minute_of(T) == checkin_code.minute_of(T - timedelta(seconds=1)) + 1


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("１２３４５６", "123456"),
        ("12345", None),
        ("1234567", None),
        ("12a456", None),
        ("", None),
        ("١٢٣٤٥٦", None),
    ],
)
def test_typed_codes_are_normalised(typed: str, normal: str | None) -> None:
    assert checkin_code.normalise(typed) == normal


@pytest.mark.parametrize(
    ("typed", "attempt"),
    [
        ("1234", True),
        ("12345", True),
        ("123456", True),
        ("12 34 56", True),
        ("１２３４５", True),
        ("12345678", True),
        ("123", False),
        ("123456789", False),
        ("12a45", False),
        ("today 1234", False),
        ("1" + " " * 30 + "2345", False),  # long text is something else
        ("", False),
    ],
)
def test_what_reads_as_an_attempt_at_a_code(typed: str, attempt: bool) -> None:
    assert checkin_code.looks_like_code(typed) is attempt


def test_full_width_digits_of_the_right_code_are_accepted() -> None:
    code = checkin_code.code_at(SECRET, T)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert checkin_code.verify(SECRET, wide, T)
    assert not checkin_code.verify(SECRET, "abcdef", T)


def test_distance_of_known_points() -> None:
    # One degree of latitude is about 111.2 km.
    assert geo.distance_m(31.0, 121.0, 32.0, 121.0) == pytest.approx(111_195, rel=1e-3)
    assert geo.distance_m(31.2, 121.5, 31.2, 121.5) == 0


def test_within_the_radius_counts_the_edge() -> None:
    lat, lon = 31.2304, 121.4737
    north_300m = lat + 300 / 111_195
    d = geo.distance_m(north_300m, lon, lat, lon)
    assert geo.within(north_300m, lon, lat, lon, d)
    assert not geo.within(north_300m, lon, lat, lon, d - 0.5)
    assert geo.within(lat, lon, lat, lon, 1)


def test_the_qr_links_payload_names_the_session_and_holds_the_code() -> None:
    payload = checkin_code.link_payload(42, "012345")
    assert payload == "ci_42_012345"
    assert checkin_code.parse_link_payload(payload) == (42, "012345")
    # What t.me allows in a start parameter, and never what an invite code looks like.
    assert len(payload) <= 64 and payload.replace("_", "").isalnum()
    for other in ("ci_42_12345", "ci_x_123456", "Abc23xyz45", "ci_42_123456_", "ci__123456"):
        assert checkin_code.parse_link_payload(other) is None
    link = checkin_code.deep_link("trainee_test_bot", payload)
    assert link == "https://t.me/trainee_test_bot?start=ci_42_012345"
