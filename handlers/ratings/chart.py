"""The instructor's summary as a bar chart, in the instructor's language.

Drawn with matplotlib's Agg renderer (a maintained plotting library, no display needed)
and the Noto Sans CJK SC font that the ``mplfonts`` package ships inside its wheel, used by
path: the chart must speak Chinese on a fresh machine after ``pip install``, with no
system font and no download at run time. matplotlib is imported only when a chart is
drawn, so the bot's start-up does not pay for it; drawing takes a thread (``render`` is
called through ``asyncio.to_thread``), never the event loop.

Same input, same bytes: the PNG carries no timestamp or software tag.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

WIDTH: Final = 960  # pixels: 6.4 x 4.0 inches at 150 dpi
HEIGHT: Final = 600
_DPI: Final = 150
# Points, at that size: a chat shows the photo about 330 px wide, where these still read.
_TITLE: Final = 13
_LABEL: Final = 12
_AVERAGE: Final = "#3478c4"
_OVERALL: Final = "#e68c28"
_INK: Final = "#282828"
FONT_FILE: Final = "NotoSansCJKsc-Regular.otf"


@dataclass(frozen=True)
class ChartTexts:
    """Every word on the chart, in the reader's language (from templates/*/ratings.txt)."""

    questions: Sequence[str]  # one label per question, in order
    averages: str  # the left panel's title
    distribution: str  # the right panel's title
    scores: Sequence[str]  # labels of the scores 1..5
    people: str  # the right panel's axis


@cache
def font_path() -> Path:
    """The CJK font file inside the mplfonts package (OFL-licensed Noto Sans CJK SC)."""
    return Path(str(resources.files("mplfonts").joinpath("fonts", FONT_FILE)))


@cache
def _font() -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=font_path())


def render(
    averages: Sequence[float | None], distribution: Mapping[int, int], texts: ChartTexts
) -> bytes:
    """The chart: average per question (out of 5) and how many gave each overall score."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = _font().copy()
    font.set_size(_LABEL)
    title = font.copy()
    title.set_size(_TITLE)
    figure = Figure(figsize=(WIDTH / _DPI, HEIGHT / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    values = [value or 0.0 for value in averages]
    bars = left.bar(range(len(values)), values, color=_AVERAGE, width=0.6)
    left.set_ylim(0, 5.6)
    left.set_xticks(range(len(values)), [_wrap(q) for q in texts.questions], fontproperties=font)
    left.set_title(texts.averages, fontproperties=title, color=_INK)
    for bar, value in zip(bars, averages, strict=True):
        shown = "–" if value is None else f"{value:.2f}"
        left.annotate(
            shown,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            xytext=(0, 3),
            textcoords="offset points",
        )
    counts = [distribution.get(score, 0) for score in range(1, 6)]
    bars = right.bar(range(5), counts, color=_OVERALL, width=0.6)
    right.set_xticks(range(5), list(texts.scores), fontproperties=font)
    right.set_ylim(0, max([*counts, 1]) * 1.2)
    right.set_title(texts.distribution, fontproperties=title, color=_INK)
    right.set_ylabel(texts.people, fontproperties=font)
    right.yaxis.get_major_locator().set_params(integer=True)
    for bar, count in zip(bars, counts, strict=True):
        right.annotate(
            str(count),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            xytext=(0, 3),
            textcoords="offset points",
        )
    for axes in (left, right):
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelsize=_LABEL - 1)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
    return out.getvalue()


def _wrap(label: str, width: int = 6) -> str:
    """A long question name on two lines, so four fit under a phone-wide chart."""
    if len(label) <= width or " " in label:
        return label.replace(" ", "\n", 1) if len(label) > 2 * width else label
    return label[:width] + "\n" + label[width:]
