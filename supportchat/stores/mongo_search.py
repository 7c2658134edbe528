"""The MongoDB store's search, tags and canned responses (mixed into MongoTicketStore).

Search reads MongoDB's text indexes (mongo_indexes.py: ``messages.text`` and the customer's
label and identifiers, language ``none``: no stemming, no stop words), never every message.
A ticket matches when one of its messages, or its customer, has every word: each word is a
quoted phrase, and MongoDB requires every phrase.
"""

from __future__ import annotations

import re
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from ..clock import utcnow
from ..errors import not_found
from ..models import new_id
from . import Canned, SearchMatch, Ticket
from .mongo_documents import ms, ticket_from_document
from .search_common import customer_text, shortcut_taken

WORD = re.compile(r"\w+")


def text_search(words: str) -> dict[str, Any]:
    """A ``$text`` filter requiring every word of ``words``."""
    return {"$text": {"$search": " ".join(f'"{word}"' for word in WORD.findall(words))}}


class MongoSearch:
    """Search, tags and canned responses for MongoTicketStore."""

    tickets: Collection
    messages: Collection
    db: Any

    def matching_ticket_ids(self, words: str) -> list[str]:
        """Ids of the tickets whose messages or customer have all ``words``."""
        # Not distinct(): the nx-27017 test server ignores a $text filter there.
        found = {doc["ticketId"] for doc in self.messages.find(text_search(words), {"ticketId": 1})}
        found.update(doc["_id"] for doc in self.tickets.find(text_search(words), {"_id": 1}))
        return list(found)

    def search_matches(self, ticket_ids: list[str], words: str) -> dict[str, SearchMatch]:
        if not ticket_ids:
            return {}
        found: dict[str, SearchMatch] = {}
        docs = self.messages.find(
            {**text_search(words), "ticketId": {"$in": ticket_ids}},
            {"ticketId": 1, "seq": 1, "text": 1},
        ).sort("seq", DESCENDING)
        for doc in docs:
            best = found.get(doc["ticketId"])
            if best is None or doc["seq"] > best.seq:
                found[doc["ticketId"]] = SearchMatch(doc["seq"], doc["text"])
        rest = [ticket_id for ticket_id in ticket_ids if ticket_id not in found]
        wanted = {word.casefold() for word in WORD.findall(words)}
        for doc in self.tickets.find({"_id": {"$in": rest}}, {"customer": 1}) if rest else ():
            # At most a page of tickets, read by id: the text index found them already.
            text = customer_text(doc["customer"])
            if wanted <= {word.casefold() for word in WORD.findall(text)}:
                found[doc["_id"]] = SearchMatch(None, text)
        return found

    def set_labels(self, ticket_id: str, labels: list[str]) -> Ticket:
        doc = self.tickets.find_one_and_update(
            {"_id": ticket_id},
            {"$set": {"labels": sorted(set(labels)), "updatedAt": ms(utcnow())}},
            projection={"pending": 0},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise not_found()
        return ticket_from_document(doc)

    @property
    def canned(self) -> Collection:
        """The ``canned`` collection."""
        return self.db.canned

    def list_canned(self) -> list[Canned]:
        return [canned_from_document(doc) for doc in self.canned.find().sort("shortcut", 1)]

    def add_canned(self, shortcut: str, title: str, text: str) -> Canned:
        doc = {"_id": new_id(), "shortcut": shortcut, "title": title, "text": text}
        try:
            self.canned.insert_one(doc)
        except DuplicateKeyError:
            raise shortcut_taken(shortcut) from None
        return canned_from_document(doc)

    def update_canned(self, canned_id: str, changes: dict[str, str]) -> Canned:
        shortcut = changes.get("shortcut")
        # Asked first: nx-27017 answers a unique-index clash in find_one_and_update with no
        # document; the unique index still decides a race on MongoDB.
        if shortcut and self.canned.find_one({"shortcut": shortcut, "_id": {"$ne": canned_id}}):
            raise shortcut_taken(shortcut)
        try:
            if changes:
                self.canned.update_one({"_id": canned_id}, {"$set": changes})
        except DuplicateKeyError:
            raise shortcut_taken(shortcut or "") from None
        doc = self.canned.find_one({"_id": canned_id})
        if doc is None:
            raise not_found("canned response")
        return canned_from_document(doc)

    def delete_canned(self, canned_id: str) -> None:
        if not self.canned.delete_one({"_id": canned_id}).deleted_count:
            raise not_found("canned response")


def canned_from_document(doc: dict[str, Any]) -> Canned:
    return Canned(id=doc["_id"], shortcut=doc["shortcut"], title=doc["title"], text=doc["text"])
