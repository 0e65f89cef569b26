"""Phone numbers as schools type them and as Telegram shares them, in one normal form."""

from __future__ import annotations

import pytest

from bot.rules.phones import normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        " 13800138000 ",
        "138\u00a00013\u00a08000",  # non-breaking spaces, pasted from a web page
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "(+86) 138 0013 8000",
        "008613800138000",
        "0086 138 0013 8000",
        "8613800138000",  # a Telegram contact: country code, no plus
        "\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",  # full-width digits
        "\uff0b\uff18\uff16\u3000\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",
    ],
)
def test_a_mainland_mobile_in_any_spelling_is_its_eleven_digits(raw: str) -> None:
    assert normalize_phone(raw) == "13800138000"
    assert normalize_phone(raw, international=True) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "010-88888888",  # a Beijing landline
        "0755 8888 8888",
        "+86 10 8888 8888",
        "0086 10 8888 8888",
        "8888 8888",  # a landline without its area code
        "1380013800",  # a mobile with a digit missing
        "138001380001",  # one too many
        "12800138000",  # no mobile starts with 12
        "+86 1380013800",
        "",
        "   ",
        "not a phone",
        "138OO138OOO",  # letters O for zeros
        "138-0013-800x",
        "+",
        "00",
        "+44 12",  # too short for any country
        "+1234567890123456",  # longer than E.164 allows
    ],
)
def test_landlines_and_malformed_numbers_are_refused(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 7911 123456", "+447911123456"),
        ("0044 7911 123456", "+447911123456"),
        ("+852 9123 4567", "+85291234567"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_another_country_keeps_its_code(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_a_contact_without_a_plus_is_read_as_international() -> None:
    # Telegram sends contacts as digits starting with the country code.
    assert normalize_phone("447911123456", international=True) == "+447911123456"
    # Dialled in China, the same digits are no mobile number.
    assert normalize_phone("447911123456") is None
    assert normalize_phone("8610888888888", international=True) is None  # a Chinese landline
