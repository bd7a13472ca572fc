"""A guard on request bodies that runs before anything parses them.

Python's `json` module recurses once per level of nesting and raises `RecursionError` (not
`ValueError`) on a body such as `[[[[…]]]]` a few thousand levels deep: DRF's parser and
django-allauth's headless views then answer 500. No request of this API nests more than a
few levels, so a body nested deeper than `MAX_JSON_DEPTH` is refused with 400 `parse_error`
before any view reads it (config/middleware.py).
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 32

_SPECIAL = re.compile(rb'[\[\]{}"\\]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `body` opens more than `limit` arrays or objects inside each other.

    Brackets inside strings do not count. Linear in the body's size whatever its content
    (no backtracking), and nearly free for ordinary bodies, which hold few brackets.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = False
    escaped_at = -1  # the position of a character escaped by a backslash
    for match in _SPECIAL.finditer(body):
        position = match.start()
        if position == escaped_at:
            continue
        char = body[position]
        if in_string:
            if char == _BACKSLASH:
                escaped_at = position + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False
