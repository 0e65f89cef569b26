"""The instructor's summary as a small bar chart, a PNG written by hand.

Why by hand: the chart is bars and a few digits; a PNG is a zlib stream of rows, so about
a hundred lines do it, with no imaging library to install or keep patched, and the same
input always gives the same bytes. No CJK font is available, so every label is a digit:
question numbers and scores under the bars, values above them; the photo's caption says
which number is which question.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Final

WIDTH: Final = 480
HEIGHT: Final = 260
_SCALE: Final = 3  # each font pixel is a 3x3 block
_WHITE: Final = (255, 255, 255)
_INK: Final = (40, 40, 40)
_AXIS: Final = (160, 160, 160)
_AVERAGE: Final = (52, 120, 196)
_OVERALL: Final = (230, 140, 40)

# A 3x5 bitmap font: each glyph is five rows of three bits.
_GLYPHS: Final[dict[str, tuple[int, ...]]] = {
    "0": (7, 5, 5, 5, 7),
    "1": (2, 6, 2, 2, 7),
    "2": (7, 1, 7, 4, 7),
    "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7),
    "6": (7, 4, 7, 5, 7),
    "7": (7, 1, 1, 1, 1),
    "8": (7, 5, 7, 5, 7),
    "9": (7, 5, 7, 1, 7),
    ".": (0, 0, 0, 0, 2),
    "-": (0, 0, 7, 0, 0),
    "*": (5, 2, 7, 2, 5),
}


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(_WHITE) * width * height)

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        line = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(line)] = line

    def text(self, cx: int, y: int, text: str, colour: tuple[int, int, int] = _INK) -> None:
        """Draw text centred on cx, top at y."""
        advance = 4 * _SCALE
        x = cx - (len(text) * advance - _SCALE) // 2
        for char in text:
            for row, bits in enumerate(_GLYPHS.get(char, (0, 0, 0, 0, 0))):
                for col in range(3):
                    if bits & (4 >> col):
                        px, py = x + col * _SCALE, y + row * _SCALE
                        self.rect(px, py, px + _SCALE, py + _SCALE, colour)
            x += advance

    def png(self) -> bytes:
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bars(
    canvas: _Canvas,
    left: int,
    right: int,
    values: Sequence[tuple[str, float, str]],
    top: float,
    colour: tuple[int, int, int],
) -> None:
    """Bars for (label under, value, label above), value scaled so ``top`` fills the height."""
    base, ceiling = HEIGHT - 40, 40
    canvas.rect(left, base, right, base + 2, _AXIS)
    slot = (right - left) // max(1, len(values))
    for index, (under, value, above) in enumerate(values):
        cx = left + slot * index + slot // 2
        height = 0 if top <= 0 else round((base - ceiling) * max(0.0, value) / top)
        half = max(4, slot // 3)
        canvas.rect(cx - half, base - height, cx + half, base, colour)
        canvas.text(cx, base - height - 22, above)
        canvas.text(cx, base + 10, under)


def render(averages: Sequence[float | None], distribution: Mapping[int, int]) -> bytes:
    """The chart: averages per question (1..n, out of 5) and how many gave each overall score."""
    canvas = _Canvas(WIDTH, HEIGHT)
    mid = WIDTH // 2
    _bars(
        canvas,
        20,
        mid - 10,
        [
            (str(n), value or 0.0, "-" if value is None else f"{value:.1f}")
            for n, value in enumerate(averages, start=1)
        ],
        5.0,
        _AVERAGE,
    )
    counts = [
        (f"{score}*", float(distribution.get(score, 0)), str(distribution.get(score, 0)))
        for score in range(1, 6)
    ]
    _bars(canvas, mid + 10, WIDTH - 20, counts, max(c for _, c, _ in counts) or 1.0, _OVERALL)
    canvas.rect(mid - 1, 30, mid + 1, HEIGHT - 20, _AXIS)
    return canvas.png()
