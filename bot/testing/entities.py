"""Telegram-flavoured HTML to (plain text, entities), and Telegram's text clean-up.

The parser follows tdlib's ``parse_html`` (the code behind the Bot API), so error
descriptions and byte offsets match what Telegram answers.  Where it is
deliberately stricter than Telegram it says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.testing.errors import TelegramRuleError, bad_request

FormattedText = tuple[str, list[dict[str, Any]]]


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------- HTML

# tdlib's is_space() also counts NUL, which is how it notices the end of input.
_SPACES = " \t\r\n\v\0"
_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# tdlib sorts entities with the same range by this priority (lower first).
_TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
# Entities whose meaning is not visible in the text survive whitespace-only content.
_HIDDEN_DATA_TYPES = frozenset({"text_link", "text_mention", "custom_emoji"})
_LINK_SCHEMES = frozenset({"http", "https", "tg", "ton", "tonsite"})


@dataclass
class _OpenTag:
    tag: str
    argument: str
    expandable: bool
    utf16_offset: int
    text_index: int


def _parse_error(message: str) -> TelegramRuleError:
    return bad_request(f"can't parse entities: {message}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(s: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference starting at ``s[pos] == "&"`` like tdlib.

    ``s`` ends with a NUL sentinel.  Returns the character and the index after
    the reference, or None when it is not a reference Telegram knows.
    """
    end = pos + 1
    if s[end] == "#":
        end += 1
        code = 0
        if s[end] == "x":
            end += 1
            while s[end] in "0123456789abcdefABCDEF":
                code = code * 16 + int(s[end], 16)
                end += 1
        else:
            while s[end] in "0123456789":
                code = code * 10 + int(s[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise _parse_error(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        while s[end].isascii() and s[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(s[pos + 1 : end])
        if named is None:
            return None
        char = named
    if s[end] == ";":
        end += 1
    return char, end


def _unescaped_ampersand(text: str, index: int) -> TelegramRuleError:
    # Telegram keeps an unknown "&" literally; we refuse it because the Bot API
    # docs require escaping and a bare "&" almost always means user input was
    # interpolated without html.escape().
    return _parse_error(f'Unescaped "&" at byte offset {_byte_offset(text, index)}')


def checked_link(url: str) -> str:
    """Normalise a link like Telegram does; return "" when Telegram would drop it."""
    url = url.strip()
    if not url:
        return ""
    if "://" not in url and not url.lower().startswith(("tg:", "ton:")):
        url = "http://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _LINK_SCHEMES:
        return ""
    if scheme in ("http", "https"):
        if not parts.netloc:
            return ""
        if not parts.path:
            # Telegram answers "https://example.com/" for "https://example.com".
            url = parts._replace(path="/").geturl()
    return url


def _close_entity(
    top: _OpenTag, utf16_offset: int, out: list[str], entities: list[dict[str, Any]]
) -> None:
    """Turn a closed tag into an entity the way tdlib does."""
    offset = top.utf16_offset
    length = utf16_offset - offset
    tag = top.tag
    if tag in _SIMPLE_TAG_TYPES:
        entities.append({"type": _SIMPLE_TAG_TYPES[tag], "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not top.argument.isdigit() or int(top.argument) == 0:
            raise _parse_error("Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": top.argument,
            }
        )
    elif tag == "a":
        url = checked_link(top.argument or "".join(out[top.text_index :]))
        if url:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (offset, length)
            and last.get("language")
        ):
            # <pre><code class="language-x">…</code></pre> is one "pre" entity.
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and (last["offset"], last["length"]) == (offset, length)
            and top.argument
        ):
            last["language"] = top.argument
        else:
            entity = {"type": "code", "offset": offset, "length": length}
            if top.argument:
                entity["language"] = top.argument  # removed below unless a <pre> claims it
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if top.expandable else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def _sort_entities(entities: list[dict[str, Any]]) -> None:
    entities.sort(key=lambda e: (e["offset"], -e["length"], _TYPE_PRIORITY.get(e["type"], 50)))


def parse_html(text: str) -> FormattedText:
    """Parse Telegram-flavoured HTML into plain text and Bot API entity dicts.

    Raises TelegramRuleError with Telegram's description for markup Telegram
    refuses, and also for a bare "&" (stricter than Telegram, see above).
    """
    s = text + "\0"
    n = len(text)
    out: list[str] = []
    utf16_offset = 0
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    i = 0
    while i < n:
        c = s[i]
        if c == "&":
            decoded = _decode_entity(s, i)
            if decoded is None:
                raise _unescaped_ampersand(text, i)
            char, i = decoded
            out.append(char)
            utf16_offset += utf16_len(char)
            continue
        if c != "<":
            out.append(c)
            utf16_offset += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if s[i] != "/":
            while s[i] not in _SPACES and s[i] != ">":
                i += 1
            if i >= n:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _SUPPORTED_TAGS:
                raise _parse_error(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                )
            argument, expandable, i = _parse_attributes(text, s, i, tag, begin)
            if tag == "span" and argument != "spoiler":
                at = _byte_offset(text, begin)
                raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
            stack.append(_OpenTag(tag, argument, expandable, utf16_offset, len(out)))
            i += 1  # past ">"
            continue

        if not stack:
            raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        while s[i] not in _SPACES and s[i] != ">":
            i += 1
        end_tag = text[begin + 2 : i].lower()
        while i < n and s[i] in _SPACES:
            i += 1
        if s[i] != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        top = stack[-1]
        if end_tag and end_tag != top.tag:
            at = _byte_offset(text, begin)
            raise _parse_error(
                f'Unmatched end tag at byte offset {at}, expected "</{top.tag}>", '
                f'found "</{end_tag}>"'
            )
        if utf16_offset > top.utf16_offset:  # empty entities are dropped
            _close_entity(top, utf16_offset, out, entities)
        stack.pop()
        i += 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')

    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # a language only counts inside <pre>
    _sort_entities(entities)
    return "".join(out), entities


def _parse_attributes(text: str, s: str, i: int, tag: str, begin: int) -> tuple[str, bool, int]:
    """Parse a start tag's attributes; return (argument, expandable, index of ">")."""
    n = len(text)
    argument = ""
    expandable = False
    while s[i] != ">":
        while i < n and s[i] in _SPACES:
            i += 1
        if s[i] == ">":
            break
        name_begin = i
        while s[i] not in _SPACES and s[i] not in "=>":
            i += 1
        name = text[name_begin:i]
        if not name:
            at = _byte_offset(text, begin)
            raise _parse_error(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        while i < n and s[i] in _SPACES:
            i += 1
        if s[i] != "=":
            if tag == "blockquote" and name == "expandable":
                expandable = True  # the one attribute Telegram allows without a value
                continue
            raise _parse_error(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        i += 1
        while i < n and s[i] in _SPACES:
            i += 1
        if i >= n:
            raise _parse_error(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        if s[i] not in "'\"":
            # An unquoted value is an HTML "name token": letters, digits, "." and "-".
            token_begin = i
            while s[i].isascii() and (s[i].isalnum() or s[i] in ".-"):
                i += 1
            value = text[token_begin:i].lower()
            if s[i] not in _SPACES and s[i] != ">":
                raise _parse_error(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}"
                )
        else:
            quote = s[i]
            i += 1
            chars: list[str] = []
            while i < n and s[i] != quote:
                if s[i] == "&":
                    decoded = _decode_entity(s, i)
                    if decoded is None:
                        raise _unescaped_ampersand(text, i)
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
                chars.append(s[i])
                i += 1
            if i < n:
                i += 1  # past the closing quote
            value = "".join(chars)
        if i >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            expandable = True
    return argument, expandable, i


# ------------------------------------------------------------ text normalisation


def _is_removed(char: str) -> bool:
    code = ord(char)
    # tdlib drops "\r", the bidi/line-separator range and three combining marks.
    return char == "\r" or 0x2028 <= code <= 0x202E or char in "\u0333\u033f\u030a"


# What _clean changes or has to count twice (UTF-16 pairs); most texts have none of it.
_NEEDS_CLEANING = re.compile(
    "[\x00-\x09\x0b-\x1f\u2028-\u202e\u0333\u033f\u030a\U00010000-\U0010ffff]"
)


def _clean(text: str, entities: list[dict[str, Any]]) -> FormattedText:
    """Replace control characters by spaces and drop the ones Telegram drops."""
    if _NEEDS_CLEANING.search(text) is None:
        # Nothing moves: offsets stay, only entities running past the end are cut.
        size = len(text)
        fixed = []
        for entity in entities:
            start, end = min(entity["offset"], size), min(entity["offset"] + entity["length"], size)
            if end > start:
                fixed.append({**entity, "offset": start, "length": end - start})
        return text, fixed
    out: list[str] = []
    position_map: list[int] = []  # old UTF-16 offset -> new UTF-16 offset
    new_offset = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        position_map.extend([new_offset] * width)
        if _is_removed(char):
            continue
        if ord(char) < 32 and char != "\n":
            char = " "
        out.append(char)
        new_offset += width
    position_map.append(new_offset)
    fixed = []
    for entity in entities:
        start = position_map[min(entity["offset"], len(position_map) - 1)]
        end = position_map[min(entity["offset"] + entity["length"], len(position_map) - 1)]
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return "".join(out), fixed


def _utf16_units(text: str) -> list[str]:
    """One entry per UTF-16 code unit; the second half of a pair is ""."""
    if not text or max(text) <= "\uffff":
        return list(text)
    units: list[str] = []
    for char in text:
        units.append(char)
        if ord(char) > 0xFFFF:
            units.append("")
    return units


def normalize_text(text: str, entities: list[dict[str, Any]]) -> FormattedText:
    """Apply Telegram's clean-up to formatted text: control characters, whitespace trimming.

    Entities lose leading whitespace, whitespace-only entities disappear and the
    text is trimmed at both ends, as Telegram does before storing a message.
    """
    text, entities = _clean(text, entities)
    units = _utf16_units(text)
    blank = {" ", "\n"}
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = entity["offset"]
        end = min(start + entity["length"], len(units))
        if entity["type"] not in _HIDDEN_DATA_TYPES:
            while start < end and units[start] in blank:
                start += 1
            if all(unit in blank for unit in units[start:end]):
                continue
        kept.append({**entity, "offset": start, "length": end - start})

    last = len(units) - 1
    while last >= 0 and units[last] in blank:
        last -= 1
    if last < 0:
        return "", []
    limit = last + 1
    kept = [
        {**e, "length": min(e["offset"] + e["length"], limit) - e["offset"]}
        for e in kept
        if e["offset"] < limit
    ]
    first_entity = min((e["offset"] for e in kept), default=limit)
    first = 0
    while first < first_entity and units[first] in blank:
        first += 1
    for entity in kept:
        entity["offset"] -= first
    _sort_entities(kept)
    return "".join(units[first:limit]), kept


def format_text(
    text: str, parse_mode: str | None = None, entities: Sequence[dict[str, Any]] | None = None
) -> FormattedText:
    """Turn a text parameter into (plain text, entities) like Telegram, before length checks.

    Only HTML is really parsed; Markdown modes are passed through unparsed.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, found = parse_html(text)
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown parsing is not modelled: the text is taken literally.
        plain, found = text, [dict(e) for e in entities or []]
    else:
        raise bad_request("unsupported parse_mode")
    return normalize_text(plain, found)
