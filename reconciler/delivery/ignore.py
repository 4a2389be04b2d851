"""`.dockerignore` / `.reconcileignore` patterns, read as Docker reads them (moby's
patternmatcher): one pattern a line, `#` comments, `!` re-includes, `*` and `?` within one path
segment, `**` across segments, the last matching pattern wins, and a pattern that matches a
directory matches everything under it."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    exclusion: bool  # a `!` line: re-include what an earlier pattern excluded


def read_patterns(path: str) -> list[Pattern]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    patterns = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        cleaned = os.path.normpath(line).replace(os.sep, "/").lstrip("/")
        if cleaned in ("", "."):
            continue
        patterns.append(Pattern(re.compile(_translate(cleaned)), exclusion))
    return patterns


def _translate(pattern: str) -> str:
    out, index = "^", 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
            continue
        if pattern.startswith("**", index):
            out, index = out + ".*", index + 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                out += re.escape(char)
            else:
                body = pattern[index + 1:end]
                out += "[" + ("^" + body[1:] if body.startswith(("!", "^")) else body) + "]"
                index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out += re.escape(pattern[index])
        else:
            out += re.escape(char)
        index += 1
    return out + "$"


def excluded(relative: str, patterns: list[Pattern]) -> bool:
    """Is `relative` (POSIX, relative to the folder of the ignore file) excluded? Each pattern is
    tried against the path and every parent folder of it; the last pattern that matches wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for pattern in patterns:
        if any(pattern.regex.match(candidate) for candidate in candidates):
            result = not pattern.exclusion
    return result
