"""Server-rendered SVG charts of the risk dashboard.

Plain SVG elements with presentation attributes: no script, no inline style, so the strict
Content-Security-Policy (``script-src 'self'; style-src 'self'``) holds and the charts show
with JavaScript off. Every text is escaped; colours come from classes in site.css.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from legalize.cases.checks_log import Tally

BAR_HEIGHT = 18
LABEL_WIDTH = 190
CHART_WIDTH = 640
BARS_WIDTH = 520


def _scale(peak: int) -> int:
    return max(peak, 1)


def daily(days: Sequence[Tally], title: str, *, height: int = 180) -> Markup:
    """Checks and failures per day: a grey bar of the checks with its red failures in front."""
    width = CHART_WIDTH
    top, bottom, left = 20, 28, 40
    plot_h = height - top - bottom
    peak = _scale(max((d.checks for d in days), default=0))
    step = (width - left - 8) / max(len(days), 1)
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg" aria-labelledby="t-daily">',
        f'<title id="t-daily">{escape(title)}</title>',
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 4}" '
        f'y2="{top + plot_h}"/>',
        f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text class="tick" x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for i, d in enumerate(days):
        x = left + i * step + (step - bar) / 2
        h_all = plot_h * d.checks / peak
        h_bad = plot_h * d.failures / peak
        label = f"{d.key}: {d.checks} checks, {d.failures} failed"
        parts.append(
            f"<g><title>{escape(label)}</title>"
            f'<rect class="checks" x="{x:.1f}" y="{top + plot_h - h_all:.1f}" '
            f'width="{bar:.1f}" height="{h_all:.1f}"/>'
            f'<rect class="failures" x="{x:.1f}" y="{top + plot_h - h_bad:.1f}" '
            f'width="{bar:.1f}" height="{h_bad:.1f}"/></g>'
        )
    # A date under the first, the middle and the last day is enough to read the axis.
    for i in sorted({0, len(days) // 2, len(days) - 1}) if days else ():
        x = left + i * step + step / 2
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(days[i].key[5:])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def bars(
    tallies: Sequence[Tally], title: str, ident: str, *, failures_only: bool = False
) -> Markup:
    """One horizontal bar per group: its checks (grey) and failures (red), with the counts.
    ``failures_only`` draws the failures alone (the reasons: only failures have one)."""
    rows = list(tallies)
    height = max(len(rows), 1) * (BAR_HEIGHT + 6) + 30
    plot_w = BARS_WIDTH - LABEL_WIDTH - 100
    peak = _scale(max(((t.failures if failures_only else t.checks) for t in rows), default=0))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {BARS_WIDTH} {height}" '
        f'width="{BARS_WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-labelledby="t-{escape(ident)}">',
        f'<title id="t-{escape(ident)}">{escape(title)}</title>',
    ]
    if not rows:
        parts.append('<text class="tick" x="8" y="20">no checks in this period</text>')
    for i, t in enumerate(rows):
        y = 10 + i * (BAR_HEIGHT + 6)
        w_all = plot_w * t.checks / peak
        w_bad = plot_w * t.failures / peak
        count = f"{t.failures}" if failures_only else f"{t.checks} / {t.failures} failed"
        parts.append(
            f"<g><title>{escape(t.key)}: {escape(count)}</title>"
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 5}" '
            f'text-anchor="end">{escape(t.key[:28])}</text>'
        )
        if not failures_only:
            parts.append(
                f'<rect class="checks" x="{LABEL_WIDTH}" y="{y}" width="{w_all:.1f}" '
                f'height="{BAR_HEIGHT}"/>'
            )
        parts.append(
            f'<rect class="failures" x="{LABEL_WIDTH}" y="{y}" width="{w_bad:.1f}" '
            f'height="{BAR_HEIGHT}"/>'
            f'<text class="count" x="{LABEL_WIDTH + max(w_all, w_bad) + 6:.1f}" '
            f'y="{y + BAR_HEIGHT - 5}">{escape(count)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
