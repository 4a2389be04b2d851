"""Fixture: a small project (spec + source folder) in tmp_path, which is also the cwd."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)
