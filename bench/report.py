"""Builds the results tables in bench/RESULTS.md from bench/results/*.json.

Only the part between the two markers is rewritten; the analysis around it is prose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS_MD = BENCH / "RESULTS.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
ORDER = [
    "capacity",
    "capacity-team",
    "capacity-scaleout",
    "fixed",
    "fixed-team",
    "fanout",
    "idle",
    "history",
]


def _load() -> list[dict[str, Any]]:
    records = [json.loads(path.read_text()) for path in sorted((BENCH / "results").glob("*.json"))]
    return sorted(
        records,
        key=lambda r: (ORDER.index(r["scenario"]) if r["scenario"] in ORDER else 99, r["backend"]),
    )


def _verdict(ok: bool, text: str) -> str:
    return f"{'met' if ok else '**missed**'}: {text}"


def _chat_row(record: dict[str, Any]) -> list[str]:
    summary, backend = record["summary"], record["backend"]
    ours, relay, ratio = summary[backend], summary["relay"], summary.get("ratio", {})
    if "capacity" in ours:
        metric = f"{ours['capacity']:.0f} msg/s"
        base = f"{relay['capacity']:.0f} msg/s"
        share = ratio.get("capacity", 0)
        target = (
            _verdict(share >= 1.0, f"{share:.2f}× (target ≥ 1.0×)")
            if record["scenario"] == "capacity" and backend == "sqlite"
            else f"{share:.2f}×"
        )
    else:
        metric = (
            f"{ours['deliveredPerSecond']:.0f}/s delivered ({100 * ours['deliveredRatio']:.1f} %), "
            f"e2e p50/p95/p99/max {ours['e2eP50Ms']:.0f}/{ours['e2eP95Ms']:.0f}/"
            f"{ours['e2eP99Ms']:.0f}/{ours['e2eMaxMs']:.0f} ms, ack p50/p99 "
            f"{ours['ackP50Ms']:.0f}/{ours['ackP99Ms']:.0f} ms, failed acks {ours['ackFail']:.0f}"
        )
        base = (
            f"{relay['deliveredPerSecond']:.0f}/s ({100 * relay['deliveredRatio']:.1f} %), e2e p99 "
            f"{relay['e2eP99Ms']:.0f} ms, ack p99 {relay['ackP99Ms']:.0f} ms"
        )
        if ours.get("cpuMsPerMessage") and relay.get("cpuMsPerMessage"):
            metric += f", server CPU {ours['cpuMsPerMessage']:.2f} ms per acked message"
            base += f", server CPU {relay['cpuMsPerMessage']:.2f} ms"
        p99_ratio = ours["e2eP99Ms"] / relay["e2eP99Ms"] if relay["e2eP99Ms"] else float("inf")
        target = f"p99 {p99_ratio:.2f}× the relay's"
        if record["scenario"] == "fixed":
            target = _verdict(
                p99_ratio <= 1.0 and ours["deliveredRatio"] >= 0.95,
                f"p99 {p99_ratio:.2f}× the relay's (target ≤ 1.0×, aspiration ≤ 25 ms)",
            )
    return [record["scenario"], backend, metric, base, target, f"`{record['command']}`"]


def _idle_row(record: dict[str, Any]) -> list[str]:
    ours, relay = record["summary"][record["backend"]], record["summary"]["relay"]
    metric = (
        f"{ours['connected']:.0f} sockets held, RSS {ours['rssHeldMb']:.0f} MB, "
        f"{ours['kbPerSocket']:.0f} KB/socket, connect p99 {ours['connectP99Ms']:.0f} ms"
    )
    base = f"{relay['connected']:.0f} sockets, RSS {relay['rssHeldMb']:.0f} MB, {relay['kbPerSocket']:.0f} KB/socket"
    target = _verdict(
        ours["connected"] >= 10_000 and ours["rssHeldMb"] < 400,
        f"{ours['rssHeldMb']:.0f} MB for {ours['connected']:.0f} sockets (target 10,000 under 400 MB)",
    )
    return [record["scenario"], record["backend"], metric, base, target, f"`{record['command']}`"]


def _history_row(record: dict[str, Any]) -> list[str]:
    ours = record["summary"][record["backend"]]
    parts = [
        f"ticket:list page p50/p99 {ours['ticketListP50Ms']:.1f}/{ours['ticketListP99Ms']:.1f} ms",
        f"ticket:join last 200 p50/p99 {ours['joinP50Ms']:.1f}/{ours['joinP99Ms']:.1f} ms",
    ]
    verdicts = [_verdict(ours["joinP99Ms"] <= 30, f"join p99 {ours['joinP99Ms']:.1f} ms (≤ 30)")]
    if "apiConversationsP99Ms" in ours:
        parts.insert(
            0,
            f"GET /api/conversations p50/p99 {ours['apiConversationsP50Ms']:.1f}/"
            f"{ours['apiConversationsP99Ms']:.1f} ms",
        )
        verdicts.insert(
            0,
            _verdict(
                ours["apiConversationsP99Ms"] <= 20,
                f"/api/conversations p99 {ours['apiConversationsP99Ms']:.1f} ms (≤ 20)",
            ),
        )
    config = record["config"]
    parts.append(f"{config['tickets']:,} tickets + one of {config['messages']:,} messages")
    return [
        record["scenario"],
        record["backend"],
        "; ".join(parts),
        "—",
        "; ".join(verdicts),
        f"`{record['command']}`",
    ]


def _scaleout_rows(record: dict[str, Any]) -> list[str]:
    """One row per number of processes: its summary has no relay to stand beside."""
    summary = record["summary"]
    rates = sorted(
        {int(key.partition("@")[2]) for arm in summary.values() for key in arm if "@" in key}
    )
    rows = []
    for label in ("1-process", "2-processes"):
        ours = summary[label]
        capacity = f"{ours['capacity']:.0f} msg/s"
        if label == "2-processes" and "capacity" in summary["ratio"]:
            capacity += f" ({summary['ratio']['capacity']:.2f}×)"
        p99 = ", ".join(
            f"{rate}: {ours[f'e2eP99Ms@{rate}']:.0f}"
            for rate in rates
            if f"e2eP99Ms@{rate}" in ours
        )
        cells = [
            record["backend"],
            label[0],
            capacity,
            p99,
            f"{ours['cpuMsPerMessage']:.2f} ms",
            f"{ours['serverCores']:.2f}",
            f"{ours['generatorCpuSeconds']:.1f} s ({ours['generatorCores']:.2f} cores)",
            f"`{record['command']}`",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def table() -> str:
    """The generated part of RESULTS.md."""
    records = _load()
    if not records:
        return "No results yet: run a scenario (see README.md)."
    machine = records[0]["machine"]
    # Rows rerun on different session machines: name each processor with its rows.
    by_cpu: dict[str, list[str]] = {}
    for record in records:
        by_cpu.setdefault(record["machine"]["cpu"], []).append(
            f"{record['scenario']}/{record['backend']}"
        )
    cpus = "; ".join(f"{cpu} ({', '.join(rows)})" for cpu, rows in by_cpu.items())
    lines = [
        f"Machine: {cpus if len(by_cpu) > 1 else machine['cpu']}; {machine['cores']} cores, "
        f"{machine['memoryMb'] // 1024} GiB, "
        f"Linux {machine['kernel']}, Python {machine['python']}, Node {machine['node']}; "
        + ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
        + ". Shared with other work: load average at the start of each run is in its JSON.",
        "",
        "| scenario | backend | supportchat (median) | bare relay (median, same run) | ratio / target | command |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    scaleout = [record for record in records if record["scenario"] == "capacity-scaleout"]
    for record in records:
        if record in scaleout:
            continue
        row = {"idle": _idle_row, "history": _history_row}.get(record["scenario"], _chat_row)(
            record
        )
        lines.append("| " + " | ".join(row) + " |")
    if scaleout:
        lines += [
            "",
            "`capacity-scaleout`: the team's load against one supportchat process and against "
            "two joined by Redis on the same database, alternating in one run (medians). CPU is "
            "counted from the first message to the end of the sweep, the server's summed over "
            "its processes; the load generator shares the machine's cores.",
            "",
            "| backend | processes | capacity (2 vs 1) | e2e p99 by offered rate (msg/s: ms) "
            "| server CPU per acked message | server cores | generator CPU | command |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for record in scaleout:
            lines += _scaleout_rows(record)
    started = ", ".join(f"{r['scenario']}/{r['backend']} {r['started']}" for r in records)
    lines += ["", f"Runs started (UTC): {started}."]
    return "\n".join(lines)


def write() -> None:
    """Replace the generated table in RESULTS.md, keeping the prose around it."""
    text = (
        RESULTS_MD.read_text()
        if RESULTS_MD.exists()
        else f"# Benchmark results\n\n{START}\n{END}\n"
    )
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    RESULTS_MD.write_text(f"{head}{START}\n{table()}\n{END}{tail}")
