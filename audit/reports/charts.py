"""Bar charts as SVG, drawn on the server: no JavaScript, no charting library, no CDN.

Every label is escaped; each bar carries a `<title>` with its exact figure (a tooltip and
what a screen reader says), and the chart has a `role="img"` and an accessible name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#1d70b8"
TEXT_COLOUR = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as people read it (£1,234.50, 12 learners)


def horizontal_bars(title: str, bars: Sequence[Bar], *, width: int = 640) -> SafeString:
    """One row per bar, label on the left, value at the bar's end (providers, the funnel)."""
    row, label_width, value_width = 28, 220, 110
    plot = width - label_width - value_width
    top = max((bar.value for bar in bars), default=0) or 1
    height = max(row * len(bars), row)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(
            f'<text x="0" y="18" fill="{TEXT_COLOUR}" font-size="14">Nothing in this period.</text>'
        )
    for i, bar in enumerate(bars):
        y = i * row
        length = round(plot * max(bar.value, 0) / top)
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.shown)}</title>"
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(_clip(bar.label, 30))}</text>'
            f'<rect x="{label_width}" y="{y + 5}" width="{length}" height="{row - 10}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 18}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(bar.shown)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def column_bars(title: str, bars: Sequence[Bar], *, height: int = 220) -> SafeString:
    """One column per bar, labels underneath (spend by month)."""
    column, axis, head = 84, 36, 22
    width = max(column * len(bars), column * 4)
    plot = height - axis - head
    top = max((bar.value for bar in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="0" y1="{head + plot}" x2="{width}" y2="{head + plot}" stroke="#b1b4b6"/>',
    ]
    if not bars:
        parts.append(
            f'<text x="0" y="18" fill="{TEXT_COLOUR}" font-size="14">Nothing in this period.</text>'
        )
    for i, bar in enumerate(bars):
        x = i * column
        length = round(plot * max(bar.value, 0) / top)
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.shown)}</title>"
            f'<rect x="{x + 8}" y="{head + plot - length}" width="{column - 16}" '
            f'height="{length}" fill="{BAR_COLOUR}"/>'
            f'<text x="{x + column // 2}" y="{height - 14}" text-anchor="middle" '
            f'font-size="12" fill="{TEXT_COLOUR}">{escape(bar.label)}</text>'
            f'<text x="{x + column // 2}" y="{head + plot - length - 6}" text-anchor="middle" '
            f'font-size="11" fill="{TEXT_COLOUR}">{escape(bar.shown)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
