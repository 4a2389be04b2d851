"""botocore's API models, parsed once per machine instead of once per command.

Creating a client makes botocore read and parse its service's model from gzipped JSON: EC2's is
3 MB of JSON and costs ~60 ms on every command, DynamoDB's, the endpoint rules and the partitions
more, before a single request is sent. This loader keeps each file it parses as `marshal` data in
the user's cache directory and reads that on the next run (about 2-3x faster than JSON; marshal
holds plain data only, it cannot run code when read). A cache entry is keyed by the source file's
path, size and modification time, in a directory per botocore version and Python version, so an
upgrade of either never reads a stale model. When the cache cannot be written (read-only home,
a container without one) botocore's own reading is used: the cache only ever saves time.

`RECONCILE_MODEL_CACHE=off` turns it off; `RECONCILE_MODEL_CACHE=DIR` puts it elsewhere.
"""
from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import JSONFileLoader, create_loader

CACHE_ENV = "RECONCILE_MODEL_CACHE"


def cache_directory() -> Path | None:
    setting = os.environ.get(CACHE_ENV, "")
    if setting.lower() in ("off", "0", "false", "no"):
        return None
    if setting:
        base = Path(setting)
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reconcile" / "models"
    python = f"py{sys.version_info.major}{sys.version_info.minor}-m{marshal.version}"
    return base / f"botocore-{botocore.__version__}-{python}"


def _plain(value: Any) -> Any:
    """botocore parses into OrderedDicts; marshal keeps exact dicts only (ordered since 3.7)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class CachedJSONFileLoader(JSONFileLoader):
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.writable = True

    def _entry(self, file_path: str) -> Path | None:
        for ext in (".json", ".json.gz"):
            try:
                stat = os.stat(file_path + ext)
            except OSError:
                continue
            key = f"{file_path}{ext}:{stat.st_size}:{stat.st_mtime_ns}".encode()
            return self.directory / (hashlib.sha256(key).hexdigest()[:32] + ".marshal")
        return None

    def load_file(self, file_path: str) -> Any:
        entry = self._entry(file_path)
        if entry is None:
            return None
        try:
            return marshal.loads(entry.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass  # not cached yet, or unreadable: parse the JSON
        data = super().load_file(file_path)
        if data is not None and self.writable:
            data = _plain(data)
            self._store(entry, data)
        return data

    def _store(self, entry: Path, data: Any) -> None:
        temporary = None
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps(data))
            os.replace(temporary, entry)  # atomic: a concurrent reader sees all of it or none
            temporary = None
        except (OSError, ValueError):
            self.writable = False  # a read-only cache: stop trying for this process
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


def install(session: Any) -> None:
    """Give a botocore session the cached loader (before its first client)."""
    directory = cache_directory()
    if directory is None:
        return
    loader = create_loader(session.get_config_variable("data_path"))  # as botocore makes it
    loader.file_loader = CachedJSONFileLoader(directory)
    session.register_component("data_loader", loader)

