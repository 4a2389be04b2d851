"""Conditions (ACK, Flux): `Ready` and `Synced`, each with status, reason, message and last
transition time, derived afresh every pass. The store only remembers when a status last flipped."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Condition:
    type: str
    status: bool
    reason: str
    message: str
    last_transition_time: str

    def as_dict(self) -> dict:
        data = asdict(self)
        data["status"] = "True" if self.status else "False"
        data["lastTransitionTime"] = data.pop("last_transition_time")
        return data


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ConditionStore:
    """Remembers when each condition last changed status: across passes of one process, and,
    seeded from the state store, across processes."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], tuple[bool, str]] = {}

    def seed(self, subject: str, type_: str, status: bool, since: str) -> None:
        """What an earlier process recorded (the state store)."""
        self._last.setdefault((subject, type_), (status, since))

    def set(self, subject: str, type_: str, status: bool, reason: str, message: str) -> Condition:
        now = now_iso()
        previous = self._last.get((subject, type_))
        since = previous[1] if previous and previous[0] == status else now
        self._last[(subject, type_)] = (status, since)
        return Condition(type_, status, reason, message, since)
