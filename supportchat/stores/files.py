"""The file store port, where uploaded bytes live by file id, and its local-directory adapter
(an object store fits the same port)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Protocol

_FILE_ID = re.compile(r"^[0-9a-f]{32}$")


class FileStore(Protocol):
    """Where uploaded bytes live, by file id; names given by users never reach it."""

    def save(self, file_id: str, chunks: Iterable[bytes]) -> int:
        """Store the bytes and return how many; if ``chunks`` raises, nothing is kept."""

    def open(self, file_id: str) -> BinaryIO:
        """The stored bytes; FileNotFoundError when there are none."""

    def delete(self, file_id: str) -> None:
        """Forget the bytes (nothing happens when there are none)."""


class LocalFileStore:
    """Files in a local directory, each at ``<root>/<first two hex digits>/<file id>``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def save(self, file_id: str, chunks: Iterable[bytes]) -> int:
        path = self._path(file_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        size = 0
        try:
            with open(partial, "xb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    size += len(chunk)
            os.replace(partial, path)  # readers never see half a file
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return size

    def open(self, file_id: str) -> BinaryIO:
        return open(self._path(file_id), "rb")

    def delete(self, file_id: str) -> None:
        self._path(file_id).unlink(missing_ok=True)

    def _path(self, file_id: str) -> Path:
        if not _FILE_ID.match(file_id):  # ids are ours; anything else cannot name a path
            raise FileNotFoundError(file_id)
        return self.root / file_id[:2] / file_id
