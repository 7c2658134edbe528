"""Scenarios: each runs the baseline relay and supportchat alternately, takes medians and
writes bench/results/<scenario>-<backend>.json (RESULTS.md is built from those files)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import servers
from .servers import BENCH, Server, raise_fd_limit

RESULTS = BENCH / "results"
COMMON = {
    "connectConcurrency": 50,
    "drainMs": 5000,
    "settleMs": 1000,
    "p99LimitMs": 250,
    "ackTimeoutMs": 10000,
    "replyFraction": 0.1,
}
RATES = [
    5,
    10,
    25,
    50,
    100,
    200,
    300,
    500,
    750,
    1000,
    1250,
    1500,
    2000,
    2500,
    3000,
    3500,
    4000,
    5000,
]
SCENARIOS: dict[str, dict[str, Any]] = {
    # The shape: every ticket has its own guest and its own agent socket (500 agents).
    # A sweep of rising aggregate rates that stops at the first rate that fails.
    "capacity": {
        "scenarioMode": "chat",
        "tickets": 500,
        "duration": 6,
        "stopOnFail": True,
        "rates": RATES,
    },
    "fixed": {"scenarioMode": "chat", "tickets": 500, "duration": 20, "rates": [1000]},
    # A support team: 10 agent sockets, each watching 50 of the 500 tickets.
    "capacity-team": {
        "scenarioMode": "chat",
        "tickets": 500,
        "agents": 10,
        "duration": 6,
        "stopOnFail": True,
        "rates": RATES,
    },
    "fixed-team": {
        "scenarioMode": "chat",
        "tickets": 500,
        "agents": 10,
        "duration": 20,
        "rates": [1000],
    },
    "fanout": {"scenarioMode": "fanout", "agents": 50, "rate": 20, "duration": 15},
    "idle": {"scenarioMode": "idle", "sockets": 10000, "holdMs": 15000, "connectConcurrency": 100},
    "history": {
        "scenarioMode": "history",
        "iterations": 300,
        "warmup": 20,
        "tickets": 100_000,
        "messages": 10_000,
    },
}


# The team's load against one supportchat process and against two joined by Redis on the
# same database: what a second process buys on this 2-core machine, generator included.
SCENARIOS["capacity-scaleout"] = SCENARIOS["capacity-team"]


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    versions = {}
    for package in ("flask-socketio", "python-socketio", "python-engineio", "gevent", "sqlalchemy"):
        from importlib.metadata import version

        versions[package] = version(package)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memoryMb": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node,
        "packages": versions,
        "loadAverage": os.getloadavg(),
    }


def generate(
    server: Server,
    config: dict[str, Any],
    on_line: Callable[[str], None] | None = None,
    timeout: float = 900,
) -> dict[str, Any]:
    """Run the Node generator against ``server`` and return its JSON result."""
    mode = "relay" if server.kind == "relay" else "real"
    namespaces = (
        {"guestNs": "/", "agentNs": "/"}
        if mode == "relay"
        else {"guestNs": "/guest", "agentNs": "/agent"}
    )
    full = {
        **COMMON,
        **config,
        **namespaces,
        "mode": mode,
        "url": server.url,
        "urls": server.urls,
        "httpUrl": server.url,
        "token": server.token,
    }
    process = subprocess.Popen(
        ["node", str(BENCH / "loadgen.mjs"), json.dumps(full)],
        cwd=str(BENCH),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=raise_fd_limit,
    )

    def relay_stderr() -> None:
        for line in process.stderr:
            sys.stderr.write(f"  [{server.kind}] {line}")
            if on_line:
                on_line(line.strip())

    reader = threading.Thread(target=relay_stderr, daemon=True)
    reader.start()
    # The generator bounds its own run; this only guards against a hang.
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    out = process.stdout.read()  # not communicate(): that would also consume stderr
    process.wait()
    killer.cancel()
    reader.join(5)
    if process.returncode != 0 or not out.strip():
        raise RuntimeError(f"generator failed with {process.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def profile_while(server: Server, seconds: float, name: str) -> threading.Thread:
    """py-spy on the server for ``seconds``; raw stacks to results/. It samples without pausing
    the server (so without native frames: time in C counts for the Python function that called
    it). Paused 100 times a second to read native frames, a PostgreSQL server fell to 58 %
    delivered at 500 msg/s, and the profile showed the stall, not the server."""
    out = RESULTS / "profiles" / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        "py-spy",
        "record",
        "--nonblocking",
        "--format",
        "raw",
        "--rate",
        "100",
        "--duration",
        str(int(seconds)),
        "--pid",
        str(server.pid),
        "-o",
        str(out),
    ]
    py_spy = Path(sys.executable).parent / "py-spy"
    argv[0] = str(py_spy) if py_spy.exists() else "py-spy"
    thread = threading.Thread(
        target=subprocess.run, args=(argv,), kwargs={"capture_output": True}, daemon=True
    )
    thread.start()
    return thread


def one_run(
    kind: str, scenario: str, config: dict[str, Any], profile: str | None, processes: int = 1
) -> dict[str, Any]:
    """Start a fresh server of ``kind``, load it once, stop it. CPU and RSS are the sums over
    its processes."""
    backend = "sqlite" if kind == "relay" else kind
    with servers.database(backend) as (url, instance):
        with servers.running(kind, url, instance, processes) as server:
            before = server.rss_mb()
            samples: dict[str, float] = {}
            profiler: list[threading.Thread] = []

            def on_line(line: str) -> None:
                if line == "READY":  # idle: every socket is connected; let the process settle
                    time.sleep(5)
                    samples["rss"] = server.rss_mb()
                if line.startswith("setup:"):  # the load starts: count the server's CPU from here
                    samples["cpu"], samples["time"] = server.cpu_seconds(), time.monotonic()
                if profile and line.startswith("setup:") and not profiler:
                    seconds = len(config.get("rates", [1])) * config["duration"]
                    profiler.append(profile_while(server, min(seconds, 60), profile))

            result = generate(server, config, on_line)
            result["rssMb"] = {"start": round(before, 1), "end": round(server.rss_mb(), 1)}
            if "cpu" in samples and result.get("steps"):
                # CPU per acknowledged message: steadier than latency on a shared machine.
                cpu = server.cpu_seconds() - samples["cpu"]
                wall = time.monotonic() - samples["time"]
                acked = sum(step["ackOk"] for step in result["steps"]) or 1
                result["serverCpu"] = {
                    "seconds": round(cpu, 2),
                    "msPerAckedMessage": round(cpu * 1000 / acked, 3),
                    "cores": round(cpu / wall, 2),
                }
                # The generator over the same stretch (its own total includes the setup).
                generator = result["generatorCpuSeconds"] - result["setup"]["cpuSeconds"]
                result["generatorCpu"] = {
                    "seconds": round(generator, 2),
                    "cores": round(generator / wall, 2),
                }
            if "rss" in samples:
                held = result["connected"] or 1
                result["rssMb"]["held"] = round(samples["rss"], 1)
                result["kbPerSocket"] = round((samples["rss"] - before) * 1024 / held, 1)
            for thread in profiler:
                thread.join(120)
            return result


def capacity_of(result: dict[str, Any]) -> int:
    """Highest offered rate that delivered >= 95 % with p99 <= 250 ms and no failed acks."""
    passed = [
        step["offeredRate"]
        for step in result["steps"]
        if step["deliveredRatio"] >= 0.95
        and step["ackFail"] == 0
        and step["e2eMs"].get("p99", 1e9) <= COMMON["p99LimitMs"]
    ]
    return max(passed, default=0)


def headline(scenario: str, result: dict[str, Any]) -> dict[str, float]:
    """The numbers a scenario is judged by, from one run."""
    if scenario == "capacity-scaleout":
        return {
            "capacity": capacity_of(result),
            "cpuMsPerMessage": result["serverCpu"]["msPerAckedMessage"],
            "serverCores": result["serverCpu"]["cores"],
            "generatorCpuSeconds": result["generatorCpu"]["seconds"],
            "generatorCores": result["generatorCpu"]["cores"],
            # One key per rate reached: a sweep that stops early has fewer.
            **{
                f"e2eP99Ms@{step['offeredRate']}": step["e2eMs"]["p99"]
                for step in result["steps"]
                if "p99" in step["e2eMs"]
            },
        }
    if scenario.startswith("capacity"):
        return {"capacity": capacity_of(result)}
    if scenario == "idle":
        return {
            "connected": result["connected"],
            "rssHeldMb": result["rssMb"].get("held", 0),
            "kbPerSocket": result.get("kbPerSocket", 0),
            "connectP99Ms": result["connectMs"].get("p99", 0),
        }
    step = result["steps"][0]
    return {
        "deliveredPerSecond": round(step["deliveredPerSecond"], 1),
        "deliveredRatio": round(step["deliveredRatio"], 4),
        "e2eP50Ms": step["e2eMs"].get("p50", 0),
        "e2eP95Ms": step["e2eMs"].get("p95", 0),
        "e2eP99Ms": step["e2eMs"].get("p99", 0),
        "e2eMaxMs": step["e2eMs"].get("max", 0),
        "ackP50Ms": step["ackMs"].get("p50", 0),
        "ackP99Ms": step["ackMs"].get("p99", 0),
        "ackFail": step["ackFail"],
        "connectP99Ms": result["setup"].get("connectMs", {}).get("p99", 0),
        "cpuMsPerMessage": result.get("serverCpu", {}).get("msPerAckedMessage", 0),
    }


def medians(rows: list[dict[str, float]]) -> dict[str, float]:
    """Per key, the median over the repetitions that have it."""
    keys = dict.fromkeys(key for row in rows for key in row)
    return {key: statistics.median(row[key] for row in rows if key in row) for key in keys}


def arms(scenario: str, backend: str) -> dict[str, tuple[str, int]]:
    """The servers a scenario alternates, as label: (kind, processes); ratios are the second
    over the first."""
    if scenario == "capacity-scaleout":
        return {"1-process": (backend, 1), "2-processes": (backend, 2)}
    return {"relay": ("relay", 1), backend: (backend, 1)}


def run(
    scenario: str, backend: str, repeat: int, profile: bool, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Alternate relay and supportchat (or one and two supportchat processes) ``repeat``
    times each; medians and ratios."""
    config = {**SCENARIOS[scenario], **(overrides or {})}
    command = f"python -m bench run --scenario {scenario} --backend {backend} --repeat {repeat}"
    if overrides:
        command += f" --set '{json.dumps(overrides)}'"
    servers_of = arms(scenario, backend)
    base, other = servers_of
    record: dict[str, Any] = {
        "scenario": scenario,
        "backend": backend,
        "command": command,
        "config": config,
        "machine": machine(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": {label: [] for label in servers_of},
    }
    if scenario == "history":
        record["runs"][backend] = [history_run(backend, config, profile) for _ in range(repeat)]
        record["summary"] = {backend: medians([run["headline"] for run in record["runs"][backend]])}
        return save(record)
    for index in range(repeat):
        order = [base, other] if index % 2 == 0 else [other, base]
        for label in order:
            name = f"{scenario}-{backend}" if profile and label == other and index == 0 else None
            print(f"{scenario}: run {index + 1}/{repeat} against {label}", file=sys.stderr)
            kind, processes = servers_of[label]
            result = one_run(kind, scenario, config, name, processes)
            record["runs"][label].append({"headline": headline(scenario, result), "raw": result})
    summary = {
        label: medians([run["headline"] for run in runs]) for label, runs in record["runs"].items()
    }
    summary["ratio"] = {
        key: round(summary[other][key] / summary[base][key], 3)
        for key in summary[other]
        if summary[base].get(key)
    }
    record["summary"] = summary
    return save(record)


def history_run(backend: str, config: dict[str, Any], profile: bool) -> dict[str, Any]:
    """Seed a fresh database, then time inbox pages and the long ticket's join from one client."""
    from .seed import seed

    with servers.database(backend) as (url, instance):
        with servers.running(backend, url, instance) as server:
            seeded = seed(url, config["tickets"], config["messages"])
            print(f"history: seeded {seeded}", file=sys.stderr)
            if profile:
                profile_while(server, 20, f"history-{backend}")
            result = generate(server, {**config, "longTicketId": seeded["longTicketId"]})
    result["seed"] = seeded
    headline = {
        "ticketListP50Ms": result["ticketListWalk"]["p50"],
        "ticketListP99Ms": result["ticketListWalk"]["p99"],
        "firstPageP99Ms": result["ticketListFirstPage"]["p99"],
        "joinP50Ms": result["ticketJoinLast200"]["p50"],
        "joinP99Ms": result["ticketJoinLast200"]["p99"],
    }
    if result["apiConversations"].get("available"):
        headline.update(
            apiConversationsP50Ms=result["apiConversations"]["p50"],
            apiConversationsP99Ms=result["apiConversations"]["p99"],
        )
    return {"headline": headline, "raw": result}


def save(record: dict[str, Any]) -> dict[str, Any]:
    """Write the record where the report finds it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{record['scenario']}-{record['backend']}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(
        f"wrote {path.relative_to(BENCH.parent)}: {json.dumps(record['summary'])}", file=sys.stderr
    )
    return record
