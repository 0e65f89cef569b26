"""Templates: autoescaped HTML, strict variables, both languages complete."""

from __future__ import annotations

import re

import jinja2
import pytest

from bot.rules.locales import locale_from_telegram
from bot.texts import Texts, templates_root


def test_user_input_is_escaped_in_html_but_not_in_labels() -> None:
    texts = Texts()
    assert "<b>&lt;b&gt;&amp;</b>" in texts.render("en", "start.bound", name="<b>&")
    assert texts.plain("zh", "roles.manager") == "班主任"


def test_a_missing_variable_fails_instead_of_reaching_a_user() -> None:
    with pytest.raises(jinja2.UndefinedError):
        Texts().render("zh", "start.bound")


def test_unknown_text_names_fail() -> None:
    with pytest.raises(KeyError):
        Texts().render("zh", "start.nothing_like_this")


def test_both_languages_define_the_same_texts() -> None:
    root = templates_root()
    macro = re.compile(r"{%-?\s*macro\s+(\w+)\(([^)]*)\)")

    def definitions(locale: str) -> dict[str, set[tuple[str, str]]]:
        found = {}
        for path in sorted((root / locale).iterdir()):
            found[path.name] = set(macro.findall(path.read_text("utf-8")))
        return found

    assert definitions("zh") == definitions("en")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-hans", "zh"), ("zh-TW", "zh"), ("en", "en"), ("ru", "en"), (None, "zh"), ("", "zh")],
)
def test_locale_from_telegram(code: str | None, expected: str) -> None:
    assert locale_from_telegram(code, "zh") == expected
