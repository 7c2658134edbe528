"""Shared fixtures: configurations, databases (SQLite and PostgreSQL), apps and live servers.

PostgreSQL-backed tests skip with a reason when no server answers, unless CI=true, where
a missing server is a failure.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from support.apps import PG_ADMIN_URL, LiveServer, base_config, make_app, require
from support.http import SignedIn, sign_in


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means the server is not there
        require(False, f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"sc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Each test that uses this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory):
    """A MongoDB server's URI: SUPPORTCHAT_TEST_MONGO_URI, else an nx-27017 started here."""
    from support.mongo_server import TEST_MONGO_URI, NxServer, answers

    if TEST_MONGO_URI:
        require(answers(TEST_MONGO_URI, 5000), f"MongoDB not reachable at {TEST_MONGO_URI}")
        yield TEST_MONGO_URI
        return
    server = NxServer(tmp_path_factory.mktemp("mongo"))
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        require(False, f"nx-27017 could not be started: {exc}")
    yield server.uri
    server.stop()


@pytest.fixture
def mongo_uri(mongo_server):
    """A fresh MongoDB database for one test (its name in the URI), dropped afterwards."""
    from support.mongo_server import drop_database, with_database

    uri = with_database(mongo_server, f"sc_test_{uuid.uuid4().hex[:12]}")
    yield uri
    drop_database(uri)


@pytest.fixture
def app_builder(tmp_path):
    """``app_builder(database_url=None, **config)``: migrated apps, disposed at the end."""
    made = []

    def build(database_url: str | None = None, **overrides):
        made.append(
            make_app(base_config(tmp_path / f"instance-{len(made)}", database_url, **overrides))
        )
        return made[-1]

    yield build
    from supportchat.extensions import db

    for built in made:
        with built.app_context():
            db.engine.dispose()


@pytest.fixture
def build(app_builder, database_url):
    """``build(**config)``: an app on this test's database (SQLite, then PostgreSQL)."""
    return lambda **overrides: app_builder(database_url, **overrides)


@pytest.fixture
def app(build):
    """An application on this test's database (SQLite, then PostgreSQL)."""
    return build()


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def agent(client) -> SignedIn:
    """An agent signed in through the API (ana@example.com)."""
    return sign_in(client, "agent")


@pytest.fixture
def admin(client) -> SignedIn:
    """An admin signed in through the API (admin@example.com)."""
    return sign_in(client, "admin", "admin@example.com")


@pytest.fixture
def guest() -> str:
    """A new customer's clientId."""
    return str(uuid.uuid4())


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mongo", marks=pytest.mark.mongo),
    ]
)
def ticket_store(request, tmp_path):
    """``(app, store)``: the app's ticket store on SQLite, PostgreSQL and MongoDB, inside an
    app context."""
    database_url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'test.db'}"
    )
    mongo = {"MONGO_URI": request.getfixturevalue("mongo_uri")} if request.param == "mongo" else {}
    app = make_app(base_config(tmp_path / "instance", database_url, **mongo))
    with app.app_context():
        store = app.extensions["supportchat.store"]
        yield app, store
        from supportchat.extensions import db

        db.engine.dispose()
        if mongo:
            store.close()


@pytest.fixture
def live_server_factory(tmp_path):
    """Start live servers with a configuration; all are stopped at the end of the test."""
    servers: list[LiveServer] = []

    def start(database_url: str | None = None, **overrides) -> LiveServer:
        instance = tmp_path / f"instance-{len(servers)}"
        env = base_config(
            instance,
            database_url,
            ADMIN_EMAIL="admin@example.com",
            ADMIN_PASSWORD="admin-password-1",
            **overrides,
        )
        server = LiveServer(env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(live_server_factory, database_url):
    """A live server on each database backend."""
    return live_server_factory(database_url)
