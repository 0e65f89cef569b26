"""Every user-facing text, rendered from templates/<locale>/ by one jinja2 environment.

A template file holds the texts of one feature as macros: ``render("zh", "start.welcome",
name=...)`` calls the macro ``welcome`` of ``templates/zh/start.html``. Files ending in
``.html`` are Telegram HTML and autoescape every value (user input included); files ending in
``.txt`` are plain text (button labels, command-line output) and are not escaped, because
Telegram shows button labels literally.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from bot.rules.locales import Locale


def templates_root() -> Path:
    """Return the folder that holds templates/<locale>/, installed or in a checkout."""
    return Path(str(files("templates")))


class Texts:
    """Renders texts by locale and dotted name; a missing variable is an error, not a blank."""

    def __init__(self, root: Path | None = None) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(root or templates_root())),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates ship with the code: no stat() of the file before every message.
            auto_reload=False,
        )
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

    def plain(self, locale: Locale, name: str, /, **values: Any) -> str:
        """Render a plain text (a button label, a line of command-line output)."""
        return str(self._macro(locale, name, "txt")(**values)).strip()
