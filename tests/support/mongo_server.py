"""MongoDB servers for tests: SUPPORTCHAT_TEST_MONGO_URI names a real one; otherwise an
nx-27017 (the MongoDB wire protocol on SQLite, from PyPI) runs on a free loopback port.

Run as a module, this is the nx-27017 launcher (``python -m support.mongo_server --port N
--data-dir DIR`` in tests/): it mends one nx-27017 0.8 bug, then runs nx-27017's own main.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .apps import free_port, stop_process

TEST_MONGO_URI = os.environ.get("SUPPORTCHAT_TEST_MONGO_URI", "")


def answers(uri: str, timeout_ms: int = 1000) -> bool:
    """Whether a MongoDB server at ``uri`` answers a ping."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client = MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def with_database(uri: str, name: str) -> str:
    """``uri`` with ``name`` as its database (options kept)."""
    scheme, rest = uri.split("://", 1)
    location, _, options = rest.partition("?")
    hosts = location.partition("/")[0]
    return f"{scheme}://{hosts}/{name}" + (f"?{options}" if options else "")


def drop_database(uri: str) -> None:
    """Drop the database ``uri`` names."""
    from pymongo import MongoClient

    client = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(client.get_default_database().name)
    finally:
        client.close()


@dataclass
class NxServer:
    """One nx-27017 process keeping its databases in ``data_dir``."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> NxServer:
        """Start (or restart, same port and data) and wait until it answers a ping."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "nx-27017.out", "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "support.mongo_server",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--log-file",
                str(self.data_dir / "nx-27017.log"),
                "--pid-file",
                str(self.data_dir / "nx-27017.pid"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nx-27017 exited with {self.process.returncode}:\n{self.log()}")
            if answers(self.uri, 500):
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"nx-27017 did not answer within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever it was doing."""
        stop_process(self.process, gently=False)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        stop_process(self.process)

    def log(self) -> str:
        path = self.data_dir / "nx-27017.out"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def _launch() -> None:
    from neosqlite.collection import index_manager
    from nx_27017.nx_27017 import main

    # nx-27017 0.8 builds a compound index naming _id on json_extract(data, '_id'), which is
    # not a JSON path, so every later insert into that collection fails. The document JSON
    # holds the id at '$._id'; MongoDB itself indexes _id in compound keys like any field.
    json_path = index_manager.parse_json_path
    index_manager.parse_json_path = lambda name: "$._id" if name == "_id" else json_path(name)
    sys.exit(main())


if __name__ == "__main__":
    _launch()
