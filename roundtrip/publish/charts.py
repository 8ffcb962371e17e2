"""Inline SVG charts for the public site, made at build time, and the colours they use.

Pure functions: no I/O. Every text that goes into a chart is escaped here; every chart has
role="img", a <title> and a <desc> (its text equivalent, read by screen readers), and the
pages show the same figures as text or a table beside it (WCAG 2.1: 1.1.1). Colours that
carry text are chosen for a contrast of at least 4.5:1 (1.4.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# The site's own colours (style.css is rendered with these): every (text, background) pair in
# TEXT_PAIRS has a contrast of 4.5:1 or more, tested.
PALETTE: dict[str, str] = {
    "text": "#1B1F24",
    "muted": "#4A5361",
    "background": "#FFFFFF",
    "surface": "#F3F5F7",
    "line": "#C9D0D8",
    "link": "#0A5A8C",
    "header": "#0D3B57",
    "header_text": "#FFFFFF",
    "focus": "#FFBF47",
    "focus_text": "#1B1F24",
    "bar": "#0A5A8C",
    "bar_track": "#DDE3E9",
    "target": "#1B1F24",
}
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("text", "surface"),
    ("muted", "background"),
    ("muted", "surface"),
    ("link", "background"),
    ("link", "surface"),
    ("header_text", "header"),
    ("focus_text", "focus"),
)
# Non-text contrast (1.4.11): the focus ring, bars and chart lines against the page.
GRAPHIC_PAIRS: tuple[tuple[str, str], ...] = (
    ("bar", "bar_track"),
    ("bar", "background"),
    ("target", "background"),
)
BADGE_TEXT = "#1B1F24"
MIN_TEXT_CONTRAST = 4.5


def rgb(colour: str) -> tuple[int, int, int]:
    """ "#RRGGBB" (or "RRGGBB") as (r, g, b); anything unreadable as mid grey."""
    s = colour.strip().lstrip("#")
    if len(s) == 3:
        s = "".join(c * 2 for c in s)
    try:
        value = int(s, 16) if len(s) == 6 else 0x808080
    except ValueError:
        value = 0x808080
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def hex_colour(r: float, g: float, b: float) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(max(0, min(255, round(c))) for c in (r, g, b)))


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = rgb(colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 to 21 (WCAG 2.1)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def tint(colour: str, share: float) -> str:
    """`colour` mixed with white: `share` of the colour (1: itself, 0: white)."""
    return hex_colour(*(255 - (255 - c) * share for c in rgb(colour)))


def badge_colours(colour: str) -> tuple[str, str]:
    """(background, text) of a status badge in a status's colour: a light tint of it with
    dark text, lighter until the contrast is at least MIN_TEXT_CONTRAST (any colour a
    programme gives its status stays readable)."""
    share = 0.35
    while share > 0 and contrast(tint(colour, share), BADGE_TEXT) < MIN_TEXT_CONTRAST + 0.2:
        share -= 0.05
    return tint(colour, max(share, 0)), BADGE_TEXT


@dataclass(frozen=True)
class Segment:
    label: str
    count: int
    colour: str


def _frame(
    ident: str, title: str, desc: str, view: str, body: str, css: str, aspect: str = "xMidYMid meet"
) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" viewBox="{view}" '
        f'preserveAspectRatio="{aspect}" role="img" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>{body}</svg>'
    )


def status_bar(segments: Sequence[Segment], ident: str, title: str, desc: str = "") -> str:
    """A horizontal bar split by status, each part as wide as its share of the actions.
    `desc` defaults to "label: count" of every part."""
    width, height = 600.0, 24.0
    total = sum(s.count for s in segments)
    desc = desc or "; ".join(f"{s.label}: {s.count}" for s in segments)
    parts = []
    x = 0.0
    for s in segments:
        if not s.count:
            continue
        w = width * s.count / total
        parts.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height:.0f}" '
            f'fill="{escape(hex_colour(*rgb(s.colour)))}" stroke="#FFFFFF" stroke-width="2"/>'
        )
        x += w
    if not parts:
        parts.append(
            f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" '
            f'fill="{PALETTE["bar_track"]}"/>'
        )
    return _frame(
        ident,
        title,
        desc,
        f"0 0 {width:.0f} {height:.0f}",
        "".join(parts),
        "status-bar",
        "none",
    )


def _short(value: float) -> str:
    return f"{value:.6g}"


def metric_chart(
    points: Sequence[tuple[str, float | None]],
    ident: str,
    title: str,
    desc: str,
    target: float | None = None,
    labels: Sequence[str] = (),
) -> str:
    """A small line chart of a metric's values by period (gaps where there is none) and,
    dashed, its target. `labels`: the values as the page writes them (formatted), used
    for the first and last value shown in the chart."""
    width, height = 320.0, 120.0
    left, right, top, bottom = 8.0, 8.0, 14.0, 22.0
    numbers = [v for _p, v in points if v is not None]
    scale = numbers + ([target] if target is not None else [])
    low = min([0.0, *scale]) if scale else 0.0
    high = max(scale) if scale else 1.0
    if high <= low:
        high = low + 1
    span_x = width - left - right
    span_y = height - top - bottom
    n = len(points)

    def x(i: int) -> float:
        return left + (span_x * i / (n - 1) if n > 1 else span_x / 2)

    def y(v: float) -> float:
        return top + span_y * (1 - (v - low) / (high - low))

    body = [
        f'<line x1="{left}" y1="{y(low):.1f}" x2="{width - right}" y2="{y(low):.1f}" '
        f'stroke="{PALETTE["line"]}" stroke-width="1"/>'
    ]
    if target is not None:
        body.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{width - right}" y2="{y(target):.1f}" '
            f'stroke="{PALETTE["target"]}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        )
    run: list[str] = []
    runs: list[list[str]] = []
    for i, (_p, v) in enumerate(points):
        if v is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{x(i):.1f},{y(v):.1f}")
    if run:
        runs.append(run)
    for r in runs:
        if len(r) > 1:
            body.append(
                f'<polyline points="{" ".join(r)}" fill="none" stroke="{PALETTE["bar"]}" '
                'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    for i, (_p, v) in enumerate(points):
        if v is not None:
            body.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{PALETTE["bar"]}" '
                'stroke="#FFFFFF" stroke-width="1.5"/>'
            )
    text = f'fill="{PALETTE["muted"]}" font-size="11" font-family="sans-serif"'
    if points:
        body.append(f'<text x="{left}" y="{height - 6}" {text}>{escape(points[0][0])}</text>')
        if n > 1:
            body.append(
                f'<text x="{width - right}" y="{height - 6}" text-anchor="end" {text}>'
                f"{escape(points[-1][0])}</text>"
            )
    last = next((i for i in range(n - 1, -1, -1) if points[i][1] is not None), None)
    if last is not None and labels:
        v = points[last][1]
        assert v is not None
        anchor = "end" if x(last) > width / 2 else "start"
        dx = -6 if anchor == "end" else 6
        body.append(
            f'<text x="{x(last) + dx:.1f}" y="{max(y(v) - 7, 11):.1f}" text-anchor="{anchor}" '
            f'fill="{PALETTE["text"]}" font-size="12" font-weight="bold" '
            f'font-family="sans-serif">{escape(labels[last])}</text>'
        )
    return _frame(
        ident, title, desc, f"0 0 {width:.0f} {height:.0f}", "".join(body), "metric-chart"
    )
