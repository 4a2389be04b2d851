"""Domain-name arithmetic shared by the kinds that deal in DNS names (certificates, records,
diagnosis). Pure: no I/O. Names are compared lower-case without the trailing dot; Route 53
writes them with the dot and escapes `*` as `\\052`."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def plain(name: str) -> str:
    """`Example.COM.` -> `example.com`; Route 53's `\\052` back to `*`."""
    return name.replace("\\052", "*").rstrip(".").lower()


def absolute(name: str) -> str:
    """`example.com` -> `example.com.` (Route 53's spelling)."""
    return plain(name) + "."


def covers(pattern: str, name: str) -> bool:
    """Does a certificate name (`*.example.com` or `example.com`) cover `name`? A wildcard
    covers exactly one label."""
    pattern, name = plain(pattern), plain(name)
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


def covers_all(certificate_names: Iterable[str], names: Iterable[str]) -> bool:
    patterns = list(certificate_names)
    return all(any(covers(p, n) for p in patterns) for n in names)


def zone_for(name: str, zones: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The hosted zones whose name is the longest suffix of `name` (label-wise), as Route 53
    resolves delegation: `a.b.example.com` goes to `b.example.com` before `example.com`. Several
    zones can share a name: all of them are returned (the caller decides)."""
    wanted = plain(name)
    best: list[Mapping[str, Any]] = []
    best_length = -1
    for zone in zones:
        zone_name = plain(zone["Name"])
        if wanted == zone_name or wanted.endswith("." + zone_name):
            length = zone_name.count(".") + 1
            if length > best_length:
                best, best_length = [zone], length
            elif length == best_length:
                best.append(zone)
    return best


def parent(name: str) -> str:
    """`app.example.com` -> `example.com` (`com` -> ``)."""
    return plain(name).partition(".")[2]
