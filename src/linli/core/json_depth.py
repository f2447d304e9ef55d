"""A JSON text's nesting depth, counted over its bytes before any parser sees them: a parser
recursing through `[[[[…` exhausts the stack, so every entry point that takes JSON (HTTP bodies,
MQTT payloads) refuses what is nested deeper than `LINLI_MAX_JSON_DEPTH` first."""

from __future__ import annotations

import re

# What changes a JSON document's nesting: brackets, and the quotes and escapes of strings
# (brackets inside strings do not count).
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')
OPENERS = frozenset(b"[{")
CLOSERS = frozenset(b"]}")
QUOTE, BACKSLASH = ord('"'), ord("\\")


class JsonDepth:
    """Track a JSON text's nesting depth over chunks of its bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False  # the previous chunk ended inside a string on a backslash

    def feed(self, chunk: bytes) -> bool:
        """Take the next chunk; return True once the nesting is deeper than the limit."""
        skip = 0 if self.escaped else -1
        self.escaped = False
        for match in _STRUCTURE.finditer(chunk):
            at = match.start()
            if at == skip:
                continue
            byte = chunk[at]
            if self.in_string:
                if byte == BACKSLASH:
                    skip = at + 1
                    self.escaped = skip == len(chunk)
                elif byte == QUOTE:
                    self.in_string = False
            elif byte == QUOTE:
                self.in_string = True
            elif byte in OPENERS:
                self.depth += 1
                if self.depth > self.limit:
                    return True
            elif byte in CLOSERS:
                self.depth -= 1
        return False


def too_deep(data: bytes, limit: int) -> bool:
    """Return whether the JSON text `data` nests deeper than `limit`."""
    return JsonDepth(limit).feed(data)
