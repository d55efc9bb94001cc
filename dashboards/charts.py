"""Bar charts drawn on the server as SVG, so they show in the PDF and without JavaScript. A chart
draws the same cells as the table beside it; a hidden cell (disclosure control) is drawn as no bar
with its text ("fewer than 5")."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dashboards.tables import Shown

WIDTH = 640
LABEL_WIDTH = 220
BAR = 14
GAP = 10
COLOURS = ("#1d70b8", "#f47738", "#00703c")  # GOV.UK blue, orange, green


def bar_chart(shown: Shown, *, chart_id: str) -> SafeString:
    table = shown.table
    rows = [(row, cells) for row, cells in shown.rows if not (table.total_row and row is table.rows[-1])]
    series = len(table.header) - 1
    if table.total_column:
        series -= 1
    values = [cell.percent if table.of else cell.value for _row, cells in rows for cell in cells[:series]]
    top = max([value for value in values if value is not None] + [1])
    band = series * BAR + GAP
    height = len(rows) * band + 30 + 16 * series
    plot = WIDTH - LABEL_WIDTH - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" class="app-chart" font-family="Arial, sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">{escape(table.title)}: chart of the figures in the table</title>',
    ]
    y = 0
    for row, cells in rows:
        parts.append(f'<text x="0" y="{y + band / 2 + 4 - GAP / 2:.0f}" fill="#0b0c0c">{escape(row.label[:34])}</text>')
        for i, cell in enumerate(cells[:series]):
            value = cell.percent if table.of else cell.value
            by = y + i * BAR
            if value is not None:
                width = max(plot * value / top, 1 if value else 0)
                parts.append(
                    f'<rect x="{LABEL_WIDTH}" y="{by}" width="{width:.1f}" height="{BAR - 2}" fill="{COLOURS[i % 3]}"/>'
                )
                tx = LABEL_WIDTH + width + 4
            else:
                tx = LABEL_WIDTH
            parts.append(f'<text x="{tx:.1f}" y="{by + BAR - 4}" fill="#0b0c0c">{escape(cell.text)}</text>')
        y += band
    if series > 1:
        for i, name in enumerate(table.header[1 : series + 1]):
            ly = y + 10 + i * 16
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{ly}" width="12" height="12" fill="{COLOURS[i % 3]}"/>')
            parts.append(f'<text x="{LABEL_WIDTH + 18}" y="{ly + 10}" fill="#0b0c0c">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text is escaped above
