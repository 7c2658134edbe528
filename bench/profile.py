"""Summaries of py-spy's raw (collapsed) stacks: where the server's time goes."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"\s*\(([^)]*?)(?::\d+)?\)$")


def _name(frame: str) -> str:
    """``function (path:line)`` -> ``function (short/path)``: one entry per function."""
    match = _LINE.search(frame)
    if not match:
        return frame
    path = match.group(1)
    short = "/".join(path.split("/")[-2:])
    return f"{frame[: match.start()]} ({short})"


def summarize(path: str | Path, top: int = 30) -> str:
    """Top functions by inclusive and by self share of samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_name(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    out = [f"{total} samples", "", "inclusive %  function"]
    out += [f"{100 * n / total:10.1f}  {frame}" for frame, n in inclusive.most_common(top)]
    out += ["", "self %       function"]
    out += [f"{100 * n / total:10.1f}  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(out)
