"""The sheet's figures as inline SVG (matplotlib): no files, no network, text kept as text.

Every function takes the numbers and the labels to print, and returns an <svg> element that
scales with the page. Colours are told apart by lightness too, so a grey print still reads.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

WIDTH = 3.4  # inches: half the text width of an A4 page; the sheet shows two side by side
COLOURS = {"open": "#1b6f8a", "closed": "#9ccbd9", "reflection": "#d98c1b",
           "agentive": "#2e7d4f", "neutral": "#d9d9d9", "non_agentive": "#8a8a8a",
           "being": "#2e7d4f", "becomer": "#b3541e", "line": "#333333"}  # fmt: skip
SERIES_STYLES = ("o-", "s--", "^:")

plt.rcParams.update({
    "svg.fonttype": "none", "svg.hashsalt": "samtalespejl", "font.size": 9,
    "axes.spines.top": False, "axes.spines.right": False, "font.family": "DejaVu Sans",
})  # fmt: skip


def share_per_conversation(dates: list[str], shares: list[float], median: float,
                           labels: dict) -> str:  # fmt: skip
    """Dots: one per conversation in date order; a line at the median."""
    figure, axes = plt.subplots(figsize=(WIDTH, 1.3))
    positions = range(len(dates))
    axes.scatter(positions, shares, s=36, color=COLOURS["open"], zorder=3)
    axes.axhline(median, color=COLOURS["line"], linewidth=1, linestyle="--")
    axes.annotate(labels["median"], (-0.5, median), fontsize=7, va="bottom", ha="left",
                  xytext=(0, 2), textcoords="offset points")  # fmt: skip
    axes.set_ylim(0, 1)
    axes.set_yticks([0, 0.25, 0.5, 0.75, 1], ["0", "25 %", "50 %", "75 %", "100 %"])
    axes.set_ylabel(labels["axis"], fontsize=8)
    _date_axis(axes, dates)
    return _svg(figure)


def acts_per_conversation(dates: list[str], counts: dict[str, list[int]], labels: dict) -> str:
    """Grouped bars per conversation: open questions, closed questions, reflections."""
    figure, axes = plt.subplots(figsize=(WIDTH, 1.3))
    width = 0.26
    for offset, key in zip((-width, 0, width), ("open", "closed", "reflection"), strict=True):
        axes.bar([i + offset for i in range(len(dates))], counts[key], width,
                 color=COLOURS[key], label=labels[key])  # fmt: skip
    axes.set_ylabel(labels["axis"], fontsize=8)
    axes.legend(frameon=False, ncol=3, fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0),
                handlelength=1, columnspacing=0.8)  # fmt: skip
    _date_axis(axes, dates)
    return _svg(figure)


def balance(rows: list[tuple[str, list[tuple[str, float]]]], labels: dict) -> str:
    """Horizontal 100 % bars, one per row: (row label, [(part, share), ...])."""
    figure, axes = plt.subplots(figsize=(WIDTH, 0.4 + 0.45 * len(rows)))
    for y, (_, parts) in enumerate(reversed(rows)):
        left = 0.0
        for key, value in parts:
            axes.barh(y, value, left=left, color=COLOURS[key], height=0.6)
            text = f"{value:.0%}".replace("%", " %")
            if value >= 0.06:
                text = f"{labels[key]}\n{text}" if value >= 0.2 else text
                axes.text(left + value / 2, y, text,
                          ha="center", va="center", fontsize=7.5,
                          color="white" if key in ("agentive", "being", "becomer",
                                                   "non_agentive") else "black")  # fmt: skip
            left += value
    axes.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)])
    axes.set_xlim(0, 1)
    axes.set_xticks([])
    axes.spines[["bottom", "left"]].set_visible(False)
    return _svg(figure)


def trend(periods: list[str], series: dict[str, list[float]]) -> str:
    """Lines of medians per period, one per series (label -> values), shares on a 0-1 axis."""
    figure, axes = plt.subplots(figsize=(WIDTH, 0.95))
    for (label, values), style in zip(series.items(), SERIES_STYLES, strict=False):
        axes.plot(periods, values, style, color=COLOURS["line"], label=label, markersize=5)
    axes.set_ylim(0, 1)
    axes.set_yticks([0, 0.5, 1], ["0", "50 %", "100 %"])
    axes.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.38),
                handlelength=2.5, borderaxespad=0)  # fmt: skip
    return _svg(figure)


def _date_axis(axes: plt.Axes, dates: list[str]) -> None:
    crowded = len(dates) > 3
    axes.set_xticks(range(len(dates)), dates, fontsize=7, rotation=35 if crowded else 0,
                    ha="right" if crowded else "center")  # fmt: skip
    axes.set_xlim(-0.6, len(dates) - 0.4)


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # Scale with the page: drop the fixed size, keep the viewBox.
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart"', svg,
                  count=1)  # fmt: skip
