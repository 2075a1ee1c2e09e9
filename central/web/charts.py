"""Small charts drawn on the server as inline SVG: no chart library, no script, no CDN, and they
print. A sparkline per camera (violations per hour over 24 h) and the report's funnel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape


def sparkline(counts: Sequence[int], label: str, width: int = 144, height: int = 28) -> str:
    """Bars of `counts` (oldest first), scaled to the busiest hour; `label` for screen readers."""
    n = max(1, len(counts))
    top = max([*counts, 1])
    step = width / n
    bars = []
    for i, value in enumerate(counts):
        h = 0.0 if value == 0 else max(1.5, value / top * (height - 2))
        x = i * step
        bars.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{max(1.0, step - 1):.1f}" '
            f'height="{h:.1f}"><title>{value}</title></rect>'
        )
    baseline = f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"></line>'
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        f"{baseline}{''.join(bars)}</svg>"
    )


def _percent(share: float) -> str:
    return f"{share:.1f} %"


def funnel(
    steps: Sequence[tuple[str, int, str]],
    width: int = 560,
    bar_h: int = 30,
    percent: Callable[[float], str] = _percent,
) -> str:
    """Horizontal bars, one per step: (label, value, shown value text). The first step (the
    detections) sets the scale; each bar says its share of it, written by `percent` (the
    page's language: 14,3 % in Vietnamese)."""
    top = max([v for _, v, _ in steps] + [1])
    label_w, gap = 190, 10
    plot_w = width - label_w - 150
    height = len(steps) * (bar_h + gap) + gap
    rows = []
    first = steps[0][1] if steps else 0
    for i, (label, value, shown) in enumerate(steps):
        y = gap + i * (bar_h + gap)
        w = 0 if value == 0 else max(2, round(value / top * plot_w))
        share = f" · {percent(value / first * 100)}" if first and i > 0 else ""
        rows.append(
            f'<g class="step step-{i}">'
            f'<text class="label" x="{label_w - 8}" y="{y + bar_h * 0.66:.0f}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3"></rect>'
            f'<text class="value" x="{label_w + w + 6}" y="{y + bar_h * 0.66:.0f}">'
            f"{escape(shown)}{escape(share)}</text></g>"
        )
    return (
        f'<svg class="funnel" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(", ".join(f"{s[0]}: {s[2]}" for s in steps))}">'
        f"{''.join(rows)}</svg>"
    )
