"""``python -m bench``: run a scenario, seed a database, or rebuild RESULTS.md."""

from __future__ import annotations

import argparse
import json
import sys

from . import report
from .run import SCENARIOS, run


def main() -> None:
    """Parse the command line and do one thing."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run", help="run one scenario against the relay and supportchat")
    runner.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    runner.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    runner.add_argument("--repeat", type=int, default=3, help="runs of each server, alternated")
    runner.add_argument("--profile", action="store_true", help="py-spy the first supportchat run")
    runner.add_argument(
        "--set",
        dest="overrides",
        type=json.loads,
        default=None,
        help="JSON overriding scenario settings, e.g. '{\"duration\": 5}'",
    )
    seeder = commands.add_parser("seed", help="bulk-insert tickets into a migrated database")
    seeder.add_argument("--database-url", required=True)
    seeder.add_argument("--tickets", type=int, default=100_000)
    seeder.add_argument("--messages", type=int, default=10_000)
    commands.add_parser("report", help="rebuild the table in bench/RESULTS.md from bench/results/")
    args = parser.parse_args()
    if args.command == "run":
        run(args.scenario, args.backend, args.repeat, args.profile, args.overrides)
        report.write()
    elif args.command == "seed":
        from .seed import seed

        print(json.dumps(seed(args.database_url, args.tickets, args.messages)))
    else:
        report.write()


if __name__ == "__main__":
    sys.exit(main())
