"""Bar charts as plain numbers for an inline SVG (templates/admin/_bars.html): no chart
library, nothing to run in the browser, and text a screen reader can read."""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT = 720, 180


def amount(value: float, units: tuple[str, str]) -> str:
    """``1 conversation``, ``3 conversations``: ``units`` is (singular, plural)."""
    return f"{value} {units[0] if value == 1 else units[1]}"


def bars(series: list[dict[str, Any]], field: str, units: tuple[str, str]) -> dict[str, Any]:
    """One bar per bucket: x, width, y and height within WIDTH x HEIGHT, and its label; the
    caption's note names the highest bar, or says there is none."""
    values = [row[field] for row in series]
    highest = max((value for value in values if value is not None), default=0)
    top = highest or 1
    step = WIDTH / max(len(series), 1)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "note": f"highest: {amount(highest, units)}" if highest else "none in this period",
        "bars": [
            {
                "x": round(index * step + step * 0.1, 2),
                "width": round(step * 0.8, 2),
                "height": round((value or 0) / top * (HEIGHT - 20), 2),
                "y": round(HEIGHT - (value or 0) / top * (HEIGHT - 20), 2),
                "label": f"{row['start']}: "
                + ("no figure" if value is None else amount(value, units)),
            }
            for index, (row, value) in enumerate(zip(series, values, strict=True))
        ],
    }
