"""What the MongoDB ticket store adds to the shared contract (test_store_contract.py): its
crash repair, its indexes, its configuration, and answering when MongoDB is down."""

from __future__ import annotations

import time

import pytest
from pymongo.errors import DuplicateKeyError

from support.apps import base_config, free_port, make_app
from supportchat.config import ConfigError, load
from supportchat.extensions import db
from supportchat.stores import NewMessage
from supportchat.stores.failures import unavailable_error
from supportchat.stores.mongo import MongoTicketStore
from supportchat.stores.mongo_indexes import INDEXES

pytestmark = pytest.mark.mongo

GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"}
CUSTOMER = {"label": "Visitor 1A2B", "verified": False, "userIdentifier": {}, "metadata": {}}
# serverSelectionTimeoutMS is 2 s; anything near this bound would be a hang, not a retry.
PROMPTLY = 10.0


@pytest.fixture
def app_with_mongo(tmp_path):
    """``app_with_mongo(uri)``: an application keeping its tickets at ``uri``."""
    made = []

    def make(uri: str):
        made.append(
            make_app(
                base_config(
                    tmp_path / "instance", f"sqlite:///{tmp_path / 'test.db'}", MONGO_URI=uri
                )
            )
        )
        return made[-1]

    yield make
    for app in made:
        app.extensions["supportchat.store"].close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def mongo_app(app_with_mongo, mongo_uri):
    """An application whose tickets live in a fresh MongoDB database."""
    return app_with_mongo(mongo_uri)


@pytest.fixture
def store(mongo_app) -> MongoTicketStore:
    """The Mongo ticket store of ``mongo_app``."""
    return mongo_app.extensions["supportchat.store"]


def crash_after_numbering(store: MongoTicketStore, ticket_id: str, text: str, **extra):
    """Leave a message as a crash between numbering and logging would: in the ticket's
    pending slot, with its seq taken, and not in the log."""
    message, *_ = store.append_message(ticket_id, NewMessage(sender=GUEST, text=text, **extra))
    doc = store.messages.find_one_and_delete({"_id": message.id})
    store.tickets.update_one({"_id": ticket_id}, {"$set": {"pending": doc}})
    return message


def test_a_message_stranded_by_a_crash_is_in_the_log_for_the_next_reader(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="first"))
    stranded = crash_after_numbering(store, ticket.id, "second")
    assert store.messages.count_documents({"ticketId": ticket.id}) == 1  # really stranded
    assert store.messages_after(ticket.id, 0, 10, include_notes=True)[-1] == stranded
    assert store.tickets.find_one({"_id": ticket.id}).get("pending") is None


def test_the_next_send_after_a_crash_follows_the_stranded_message_without_a_gap(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="first"))
    crash_after_numbering(store, ticket.id, "second")
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="third"))
    logged = store.messages.find({"ticketId": ticket.id}).sort("seq", 1)
    assert [(doc["seq"], doc["text"]) for doc in logged] == [
        (1, "first"),
        (2, "second"),
        (3, "third"),
    ]


def test_retrying_a_send_that_crashed_returns_the_stranded_message(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    stranded = crash_after_numbering(store, ticket.id, "hello", client_msg_id="c-1")
    again, created, _ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hello", client_msg_id="c-1")
    )
    assert not created and again == stranded
    assert store.get_ticket(ticket.id).last_seq == 1


def test_the_newest_page_includes_a_stranded_message(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    stranded = crash_after_numbering(store, ticket.id, "only one")
    assert store.messages_before(ticket.id, None, 10, include_notes=False) == [stranded]


def index_fields(store: MongoTicketStore) -> dict[str, set[tuple[str, ...]]]:
    """Each collection's index keys, by field names (servers differ in what else they list)."""
    return {
        name: {tuple(index["key"]) for index in store.db[name].list_indexes()} for name in INDEXES
    }


def test_start_up_creates_the_indexes_and_a_second_start_up_changes_nothing(store):
    store.ping()
    first = index_fields(store)
    for name, indexes in INDEXES.items():
        assert {tuple(index.document["key"]) for index in indexes} <= first[name]
    again = MongoTicketStore(store.uri, store.database)
    again.ping()
    assert index_fields(again) == first
    again.close()


def test_the_log_refuses_a_second_message_with_a_taken_number(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="one"))
    with pytest.raises(DuplicateKeyError):
        store.messages.insert_one(
            {"_id": "other", "ticketId": ticket.id, "seq": 1, "sender": GUEST, "text": "two"}
        )


def test_the_log_refuses_a_repeated_client_msg_id_but_keeps_sends_without_one(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    base = {"ticketId": ticket.id, "sender": GUEST, "text": "x"}
    store.messages.insert_many(
        [
            {**base, "_id": "a", "seq": 1},
            {**base, "_id": "b", "seq": 2},
            {**base, "_id": "c", "seq": 3, "clientMsgId": "k"},
        ]
    )
    with pytest.raises(DuplicateKeyError):
        store.messages.insert_one({**base, "_id": "d", "seq": 4, "clientMsgId": "k"})


def test_a_stored_message_without_client_msg_id_has_no_such_field(store):
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER)
    message, *_ = store.append_message(ticket.id, NewMessage(sender=GUEST, text="hi"))
    assert "clientMsgId" not in store.messages.find_one({"_id": message.id})


def test_the_database_is_named_by_the_uri_first_then_by_mongo_db(tmp_path):
    named, _ = load(
        {"MONGO_URI": "mongodb://db.example:27017/tickets?appName=x", "MONGO_DB": "other"}, tmp_path
    )
    fallback, _ = load({"MONGO_URI": "mongodb://db.example:27017/", "MONGO_DB": "other"}, tmp_path)
    assert (named["MONGO_DB"], fallback["MONGO_DB"]) == ("tickets", "other")


def test_a_uri_without_a_database_name_needs_mongo_db(tmp_path):
    with pytest.raises(ConfigError, match="^MONGO_DB: "):
        load({"MONGO_URI": "mongodb://db.example:27017"}, tmp_path)


@pytest.fixture
def unreachable_app(app_with_mongo):
    """An application whose MONGO_URI points at a loopback port where nothing listens."""
    return app_with_mongo(f"mongodb://127.0.0.1:{free_port()}/supportchat")


def test_readiness_names_mongo_when_it_is_down_and_answers_promptly(unreachable_app):
    started = time.monotonic()
    response = unreachable_app.test_client().get("/readyz")
    assert time.monotonic() - started < PROMPTLY
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["mongo"].startswith("failing") and checks["database"] == "ok"


def test_store_calls_fail_as_unavailable_and_promptly_when_mongo_is_down(unreachable_app):
    store = unreachable_app.extensions["supportchat.store"]
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        store.get_ticket("any")
    assert time.monotonic() - started < PROMPTLY
    known = unavailable_error(raised.value)
    assert known is not None and known.code == "unavailable"


def test_readiness_reports_both_databases_when_mongo_answers(mongo_app):
    response = mongo_app.test_client().get("/readyz")
    assert response.status_code == 200
    checks = response.get_json()["checks"]
    assert (checks["database"], checks["mongo"]) == ("ok", "ok")
