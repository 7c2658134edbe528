"""Can tickets move from SQL to MongoDB and back with ``supportchat migrate-tickets``, every
message intact, and can the copy be run again or resumed safely?"""

from __future__ import annotations

import shutil

import pytest

from support.apps import base_config, make_app
from supportchat.extensions import db
from supportchat.stores import NewMessage, TicketQuery
from supportchat.stores.sql import SqlTicketStore

pytestmark = pytest.mark.mongo

TICKETS, MESSAGES_EACH = 40, 75  # 3,000 messages
GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"}
AGENT = {"id": "agent-1", "role": "agent", "name": "Ana"}


def fill(store: SqlTicketStore) -> None:
    """Tickets of every shape: sessions, notes, retried sends, files, assigned, read, closed."""
    for n in range(TICKETS):
        customer = {
            "label": f"customer{n}@example.com",
            "verified": n % 2 == 0,
            "userIdentifier": {"email": f"customer{n}@example.com"},
            "metadata": {"plan": "pro", "n": n},
        }
        ticket, _ = store.create_ticket(
            f"client-{n % 7}", f"session-{n}" if n % 3 else None, customer
        )
        upload = store.add_file(ticket.id, f"photo-{n}.png", 1000 + n, "image/png", GUEST["id"])
        attachment = {
            "id": upload.id,
            "name": upload.name,
            "size": upload.size,
            "type": upload.type,
        }
        for k in range(MESSAGES_EACH):
            sender = GUEST if k % 2 == 0 else AGENT
            store.append_message(
                ticket.id,
                NewMessage(
                    sender=sender,
                    text=f"ticket {n} message {k} — ünïcødé ✓",
                    kind="note" if k % 10 == 9 else "message",
                    client_msg_id=f"c-{k}" if k % 4 == 0 else None,
                    attachments=[attachment] if k == 0 else [],
                ),
            )
        if n % 4 == 0:
            store.assign_ticket(ticket.id, {"id": AGENT["id"], "name": AGENT["name"]})
        store.mark_read(ticket.id, "agent", MESSAGES_EACH // 2)
        if n % 5 == 0:
            store.close_ticket(ticket.id, {**AGENT})


@pytest.fixture(scope="module")
def filled_sqlite(tmp_path_factory):
    """A SQLite database file holding TICKETS tickets and their messages and files."""
    folder = tmp_path_factory.mktemp("filled")
    app = make_app(base_config(folder / "instance", f"sqlite:///{folder / 'source.db'}"))
    with app.app_context():
        fill(app.extensions["supportchat.store"])
        db.engine.dispose()  # the last connection checkpoints the WAL into the file
    return folder / "source.db"


def app_on(tmp_path, name: str, mongo_uri: str, source=None):
    """An application on SQLite file ``name`` (a copy of ``source`` if given) and MongoDB."""
    path = tmp_path / name
    if source is not None:
        shutil.copy(source, path)
    return make_app(
        base_config(tmp_path / f"instance-{name}", f"sqlite:///{path}", MONGO_URI=mongo_uri)
    )


def migrate(app, target: str) -> str:
    """Run ``supportchat migrate-tickets --to target``; its output."""
    result = app.test_cli_runner().invoke(args=["migrate-tickets", "--to", target])
    assert result.exit_code == 0, result.output
    return result.output


def everything(store) -> dict:
    """Every ticket of a store with all its messages (notes too) and its files, by id."""
    found = {}
    for ticket in list_all(store):
        messages = store.messages_after(ticket.id, 0, 10 * MESSAGES_EACH, include_notes=True)
        files = [store.get_file(item["id"]) for item in messages[0].attachments]
        found[ticket.id] = (ticket, messages, files)
    return found


def list_all(store):
    """Every ticket, page by page."""
    tickets, cursor = [], None
    while page := store.list_tickets(TicketQuery(status="all", cursor=cursor, limit=100)):
        tickets.extend(page)
        cursor = (page[-1].last_message_at, page[-1].id)
    return tickets


@pytest.fixture
def apps(tmp_path, mongo_uri, filled_sqlite):
    """An application on a copy of the filled SQL database, with a fresh MongoDB configured."""
    app = app_on(tmp_path, "source.db", mongo_uri, filled_sqlite)
    yield app
    app.extensions["supportchat.store"].close()
    with app.app_context():
        db.engine.dispose()


def sql_store(app) -> SqlTicketStore:
    """The SQL ticket store of ``app``'s database (its own store is the Mongo one)."""
    with app.app_context():
        return SqlTicketStore(db.engine)


def assert_same(expected: dict, actual: dict) -> None:
    """Message by message: same tickets, same messages in the same order, same files."""
    assert actual.keys() == expected.keys()
    for ticket_id, (ticket, messages, files) in expected.items():
        copied_ticket, copied_messages, copied_files = actual[ticket_id]
        assert copied_ticket == ticket
        assert len(copied_messages) == len(messages) == MESSAGES_EACH
        for original, copy in zip(messages, copied_messages, strict=True):
            assert copy == original
        assert copied_files == files


def test_copying_to_mongodb_keeps_every_ticket_message_and_file(apps):
    output = migrate(apps, "mongo")
    assert f"messages: copied {TICKETS * MESSAGES_EACH};" in output
    assert_same(everything(sql_store(apps)), everything(apps.extensions["supportchat.store"]))


def test_copying_again_copies_nothing_and_changes_nothing(apps):
    migrate(apps, "mongo")
    output = migrate(apps, "mongo")
    for kind in ("tickets", "messages", "files"):
        assert f"{kind}: copied 0;" in output
    assert_same(everything(sql_store(apps)), everything(apps.extensions["supportchat.store"]))


def test_a_stopped_copy_resumes_with_only_what_is_missing(apps):
    migrate(apps, "mongo")
    mongo = apps.extensions["supportchat.store"]
    # As if the first run had stopped part-way through the messages.
    gone = [doc["_id"] for doc in mongo.messages.find({}, {"_id": 1}).sort("_id", -1).limit(700)]
    mongo.messages.delete_many({"_id": {"$in": gone}})
    output = migrate(apps, "mongo")
    assert "messages: copied 700;" in output
    assert_same(everything(sql_store(apps)), everything(mongo))


def test_copying_back_to_a_fresh_sql_database_keeps_every_message(apps, tmp_path, mongo_uri):
    migrate(apps, "mongo")
    back = app_on(tmp_path, "empty.db", mongo_uri)
    try:
        output = migrate(back, "sql")
        assert f"messages: copied {TICKETS * MESSAGES_EACH};" in output
        assert_same(everything(sql_store(apps)), everything(sql_store(back)))
    finally:
        back.extensions["supportchat.store"].close()
        with back.app_context():
            db.engine.dispose()


def test_the_final_check_fails_when_the_counts_differ(apps):
    migrate(apps, "mongo")
    apps.extensions["supportchat.store"].create_ticket("client-x", None, {"label": "Extra"})
    result = apps.test_cli_runner().invoke(args=["migrate-tickets", "--to", "mongo"])
    assert result.exit_code != 0
    assert "counts differ for tickets" in result.output
