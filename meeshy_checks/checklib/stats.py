"""Percentiles, and the latency table and plot attached to the report."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values_s: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {
        "count": len(ms),
        "min_ms": round(min(ms), 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


def table_markdown(values_s: Sequence[float], label: str = "latency") -> str:
    s = summary_ms(values_s)
    rows = [
        f"| {label} | n | min | p50 | p95 | max |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| ms | {s['count']} | {s['min_ms']} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} |",
        "",
        "| # | ms |",
        "| --- | --- |",
    ]
    rows += [f"| {i} | {v * 1000:.1f} |" for i, v in enumerate(values_s, 1)]
    return "\n".join(rows) + "\n"


def plot_svg(values_s: Sequence[float], title: str, width: int = 600, height: int = 200) -> str:
    """A dependency-free line plot of the latencies, in order, with the p95 line dashed."""
    ms = [v * 1000 for v in values_s]
    top = max(ms) * 1.1 or 1.0
    step = (width - 60) / max(1, len(ms) - 1)

    def y(v: float) -> float:
        return height - 20 - (height - 40) * v / top

    points = " ".join(f"{40 + i * step:.1f},{y(v):.1f}" for i, v in enumerate(ms))
    p95 = percentile(ms, 95)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<text x="40" y="14" font-size="12">{title} (ms; dashed = p95 {p95:.1f})</text>'
        f'<line x1="40" y1="{height - 20}" x2="{width - 20}" y2="{height - 20}" stroke="#888"/>'
        f'<line x1="40" y1="20" x2="40" y2="{height - 20}" stroke="#888"/>'
        f'<text x="2" y="24" font-size="10">{top:.0f}</text>'
        f'<line x1="40" y1="{y(p95):.1f}" x2="{width - 20}" y2="{y(p95):.1f}" stroke="#c33" '
        f'stroke-dasharray="4"/>'
        f'<polyline fill="none" stroke="#36c" stroke-width="1.5" points="{points}"/></svg>'
    )
