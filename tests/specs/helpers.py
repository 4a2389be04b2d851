"""Helpers for the specs tests: a throw-away project folder and a list matcher."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from specs import AwsLocation, SpecErrors, Translation, load_file, translate

SPEC_HEAD = """\
apiVersion: reconcile.dev/v1alpha1
kind: ServerlessContainer
metadata:
  name: demo
"""


class Project:
    """A spec.yaml with a src/ folder, in a temporary directory that is also the cwd."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def spec(self, body: str = "spec:\n  source: ./src\n") -> Path:
        return self.write("spec.yaml", SPEC_HEAD + textwrap.dedent(body))

    def compose(self, text: str, spec: str = "spec:\n  source: ./src\n") -> Path:
        """src/docker-compose.yml plus a Dockerfile in src/ so `build: .` works."""
        self.spec(spec)
        if not (self.root / "src" / "Dockerfile").exists():
            self.write("src/Dockerfile", "FROM scratch\n")
        return self.write("src/docker-compose.yml", text)

    def translate(self, location: AwsLocation | None = None) -> Translation:
        (loaded,) = load_file("spec.yaml")
        return translate(loaded, location)

    def errors(self) -> list[str]:
        with pytest.raises(SpecErrors) as raised:
            self.translate()
        return [str(error) for error in raised.value.errors]

    def warnings(self) -> list[str]:
        return self.translate().warnings


def one(items: list[str], *fragments: str) -> str:
    """The single item containing every fragment (fails with the whole list otherwise)."""
    matches = [item for item in items if all(fragment in item for fragment in fragments)]
    assert len(matches) == 1, f"expected one of {fragments!r} in:\n" + "\n".join(items)
    return matches[0]
