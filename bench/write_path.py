"""The message path in one process, without sockets: ``messages.write`` for customers' messages
from 20 greenlets at once (so appends share group commits, as under load), on a fresh SQLite
database or DATABASE_URL. Prints the CPU time per message of five rounds; inbox digests are
left out (their work is per second, not per message).

    python bench/write_path.py [MESSAGES]

For a figure the machine's neighbours cannot move, count instructions instead: run it under
``valgrind --tool=callgrind`` with two counts and divide the difference (bench/README.md).
"""

from gevent import monkey

monkey.patch_all()

import dataclasses  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

TICKETS, GREENLETS = 200, 20


def main() -> None:
    messages_per_round = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    folder = tempfile.mkdtemp(prefix="write-path-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.db")
    os.environ.update(INSTANCE_PATH=folder, NEW_CONVERSATION_RATE_LIMIT="1000000 per minute")
    from flask_migrate import upgrade

    from supportchat.app import create_app
    from supportchat.context import current
    from supportchat.services import actors, messages, tickets

    app = create_app()
    with app.app_context():
        upgrade()
        ctx = dataclasses.replace(current(), update_inbox=lambda _ticket_id: None)
        guests = [actors.guest(f"write-path-{n:04d}-0123456789ab") for n in range(TICKETS)]
        ids = [
            tickets.open(ctx, guest, tickets.Session(None, None, None, None))[0].id
            for guest in guests
        ]

    def write(greenlet: int, count: int) -> None:
        with app.app_context():
            for n in range(count):
                k = (greenlet * 7 + n * 13) % TICKETS
                key = f"{greenlet}-{n}-{time.monotonic_ns()}"
                messages.write(ctx, guests[k], f"message {n}", ticket_id=ids[k], client_msg_id=key)

    def one_round(count: int) -> None:
        per = count // GREENLETS
        gevent.joinall([gevent.spawn(write, g, per) for g in range(GREENLETS)], raise_error=True)

    one_round(300)  # warm: statements compiled, caches filled
    if os.environ.get("WRITE_PATH_ONCE"):  # one round only, for callgrind
        one_round(messages_per_round)
        return
    rounds = []
    for _ in range(5):
        started = time.process_time()
        one_round(messages_per_round)
        rounds.append((time.process_time() - started) / messages_per_round * 1e6)
    print("µs of CPU per message:", " ".join(f"{r:.0f}" for r in rounds))


if __name__ == "__main__":
    main()
