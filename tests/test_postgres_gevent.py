"""PostgreSQL under the gevent worker: a query waiting on the server parks its greenlet only,
so the rest of the process keeps serving (psycopg 3.1.14+ waits through gevent's patched
``select`` when the process is monkey-patched, as ``supportchat serve`` and gunicorn's gevent
worker are)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from support.apps import ROOT

pytestmark = pytest.mark.postgres

SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import sys
    import gevent
    from sqlalchemy import text
    from supportchat.extensions import db
    sys.path.insert(0, "tests")
    from support.apps import base_config, make_app

    app = make_app(base_config(__import__("pathlib").Path(sys.argv[1]), sys.argv[2]))
    ticks = []
    done = []

    def query():
        with app.app_context():
            db.session.execute(text("SELECT pg_sleep(0.6)"))
        done.append(len(ticks))

    def ticker():
        while not done:
            ticks.append(1)
            gevent.sleep(0.02)

    gevent.joinall([gevent.spawn(query), gevent.spawn(ticker)])
    print(done[0])
    """
)


def test_a_slow_query_lets_other_greenlets_run_meanwhile(postgres_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "instance"), postgres_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    ticks_while_waiting = int(result.stdout.split()[-1])
    # A blocking driver would hold the whole loop for the 0.6 s: the ticker would not run
    # once before the query returned. A cooperative one ticks all along (about 30 times).
    assert ticks_while_waiting >= 5, ticks_while_waiting
