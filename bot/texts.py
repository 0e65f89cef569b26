"""Every user-facing text, rendered from templates/<locale>/ by one jinja2 environment.

A template file holds the texts of one feature as macros: ``render("zh", "start.welcome",
name=...)`` calls the macro ``welcome`` of ``templates/zh/start.html``. Files ending in
``.html`` are Telegram HTML and autoescape every value (user input included), as do files
ending in ``.xml`` (the bodies of Word documents, see ``bot.docx``); files ending in
``.txt`` are plain text (button labels, command-line output) and are not escaped, because
Telegram shows button labels literally.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from bot.rules.days import day_label, moment_label
from bot.rules.locales import Locale


def templates_root() -> Path:
    """Return the folder that holds templates/<locale>/, installed or in a checkout."""
    return Path(str(files("templates")))


class Texts:
    """Renders texts by locale and dotted name; a missing variable is an error, not a blank."""

    def __init__(self, root: Path | None = None) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(root or templates_root())),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates ship with the code: no stat() of the file before every message.
            auto_reload=False,
        )
        # The one date style (bot/rules/days.py): {{ d | day("zh") }}, {{ m | when("zh") }}.
        self._env.filters["day"] = day_label
        self._env.filters["when"] = moment_label
        self._modules: dict[str, Any] = {}

    def _macro(self, locale: Locale, name: str, extension: str) -> Any:
        feature, _, macro = name.rpartition(".")
        if not feature:
            raise ValueError(f"text name needs a feature and a macro: {name!r}")
        path = f"{locale}/{feature}.{extension}"
        module = self._modules.get(path)
        if module is None:
            module = self._modules[path] = self._env.get_template(path).module
        try:
            return getattr(module, macro)
        except AttributeError:
            raise KeyError(f"no text {name!r} in {locale}/{feature}.{extension}") from None

    def render(self, locale: Locale, name: str, /, **values: Any) -> str:
        """Render a Telegram HTML message: every value is escaped."""
        return str(self._macro(locale, name, "html")(**values)).strip()

    def xml(self, locale: Locale, name: str, /, **values: Any) -> str:
        """Render the body of a Word document (WordprocessingML): every value is escaped."""
        return str(self._macro(locale, name, "xml")(**values)).strip()

    def plain(self, locale: Locale, name: str, /, **values: Any) -> str:
        """Render a plain text (a button label, a line of command-line output)."""
        return str(self._macro(locale, name, "txt")(**values)).strip()


# -- Telegram's limits -------------------------------------------------------------------------

# A message holds at most 4,096 UTF-16 code units, as Telegram counts them (an emoji outside
# the Basic Multilingual Plane is two). Measured here on the HTML as sent, tags included:
# never less than what Telegram counts after parsing, so a page that fits here fits there.
MESSAGE_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]*>|&[#a-zA-Z0-9]+;|\n|[^<&\n]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")


def utf16_len(text: str) -> int:
    """The length of a text as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def pages(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Rendered HTML cut into messages of at most ``limit`` units, on line boundaries.

    A line too long for a page of its own is cut between characters, never inside a tag or
    an entity; a tag open at a cut is closed at the end of one page and opened again at the
    start of the next, so every page is valid HTML on its own.
    """
    if utf16_len(html) <= limit:
        return [html]
    pieces: list[str] = []  # the tokens: tags, entities, newlines, runs of text
    for token in _TOKEN.findall(html):
        if token.startswith(("<", "&")) or token == "\n":
            pieces.append(token)
        else:  # runs of text may be cut anywhere: one character at a time, lazily grouped
            pieces.extend(_chunks(token, max(1, limit // 8)))
    out: list[str] = []
    page: list[str] = []
    reopened = 0  # how many of ``page``'s first pieces are tags opened again after a cut
    size = 0
    opened: list[str] = []  # the open tags (whole opening tag) at the end of ``page``
    at_line: tuple[int, int, list[str]] | None = None  # the last newline: index, size, tags

    def close(tags: list[str]) -> str:
        return "".join(f"</{_TAG.match(t)[2]}>" for t in reversed(tags))  # type: ignore[index]

    def closing_size(tags: list[str]) -> int:
        return utf16_len(close(tags))

    index = 0
    while index < len(pieces):
        piece = pieces[index]
        grown = size + utf16_len(piece)
        tags = _after(opened, piece)
        if len(page) > reopened and grown + closing_size(tags) > limit:
            if at_line is not None and at_line[0] > 0:  # cut at the last line break
                cut, _, cut_tags = at_line
                index -= len(page) - cut
                page = page[:cut]
                opened = cut_tags
            out.append("".join(page).rstrip("\n") + close(opened))
            page = list(opened)
            reopened = len(page)
            size = utf16_len("".join(page))
            at_line = None
            continue
        page.append(piece)
        size = grown
        opened = tags
        if piece == "\n":
            at_line = (len(page), size, list(opened))
        index += 1
    if "".join(page).strip():
        out.append("".join(page).rstrip("\n") + close(opened))
    return [p for p in out if p.strip()]


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _after(opened: list[str], piece: str) -> list[str]:
    """The open tags once ``piece`` is added."""
    match = _TAG.fullmatch(piece)
    if match is None:
        return opened
    if match[1]:  # a closing tag: close the innermost of that name
        for i in range(len(opened) - 1, -1, -1):
            if _TAG.match(opened[i])[2] == match[2]:  # type: ignore[index]
                return opened[:i] + opened[i + 1 :]
        return opened
    return [*opened, piece]
