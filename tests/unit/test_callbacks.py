"""The callback-data codec: the only way button data is made and read."""

from __future__ import annotations

import pytest

from bot.callbacks import MAX_BYTES, Action, Callback, pack, unpack


def test_round_trip() -> None:
    data = pack(Action.LANG_SET, "en")
    assert data == "1|ls|en"
    assert unpack(data) == Callback(Action.LANG_SET, ("en",))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "ls|en",  # no version
        "0|ls|en",  # another version: a button from an older release
        "1|zz|en",  # unknown action
        "1|ls",  # missing argument
        "1|ls|en|extra",  # too many
        "1|ls|" + "x" * 70,  # over 64 bytes
    ],
)
def test_forged_or_stale_data_is_refused(data: str | None) -> None:
    assert unpack(data) is None


def test_pack_refuses_what_telegram_would() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        pack(Action.LANG_SET, "中" * 21)  # 63 bytes of Chinese plus the prefix
    with pytest.raises(ValueError):
        pack(Action.LANG_SET, 5)  # wrong type
    with pytest.raises(ValueError):
        pack(Action.LANG_SET, "a|b")
    assert len(pack(Action.LANG_SET, "x" * (MAX_BYTES - 5)).encode()) == MAX_BYTES
