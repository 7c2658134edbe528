"""The MongoDB store's connection (mongo.py): made lazily per process, with timeouts that
answer `unavailable` fast; its first use creates the indexes and numbers old messages for
the guest sequence."""

from __future__ import annotations

import os
import threading
from urllib.parse import parse_qsl

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database

from .mongo_guest_seq import number_guest_seq
from .mongo_indexes import create_indexes

# Down or unreachable answers `unavailable` within a few seconds instead of hanging;
# options written in MONGO_URI win over these.
CLIENT_DEFAULTS = {
    "serverSelectionTimeoutMS": 2000,
    "connectTimeoutMS": 2000,
    "socketTimeoutMS": 5000,
    "appname": "supportchat",
}


class MongoConnection:
    """One MongoDB database for the ticket store: the client is made on first use, per process
    (a client inherited across fork() is never used), and the first use creates the indexes."""

    def __init__(self, uri: str, database: str):
        self.uri = uri
        self.database = database
        self._client: MongoClient | None = None
        self._pid = 0
        self._indexed = False
        self._lock = threading.Lock()

    @property
    def db(self) -> Database:
        """The database; the first use in a process connects and creates the indexes."""
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                # A client inherited across fork() must not be used: each process makes its own.
                given = {name.lower() for name, _ in parse_qsl(self.uri.partition("?")[2])}
                options = {
                    key: value for key, value in CLIENT_DEFAULTS.items() if key.lower() not in given
                }
                self._client, self._pid = MongoClient(self.uri, **options), os.getpid()
                self._indexed = False
        db = self._client[self.database]
        if not self._indexed:
            # Outside the lock: while MongoDB is down, callers fail side by side, not in a queue.
            create_indexes(db)
            number_guest_seq(db)
            self._indexed = True
        return db

    @property
    def tickets(self) -> Collection:
        """The ``tickets`` collection."""
        return self.db.tickets

    @property
    def messages(self) -> Collection:
        """The ``messages`` collection."""
        return self.db.messages

    @property
    def files(self) -> Collection:
        """The ``files`` collection."""
        return self.db.files

    def close(self) -> None:
        """Close this process's connections; the next use reconnects."""
        with self._lock:
            if self._client is not None and self._pid == os.getpid():
                self._client.close()
            self._client = None
