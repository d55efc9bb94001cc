"""Every figure is a cell of a table: a table is what the pages, the scrutiny report, its charts and
the CSV exports all show, so they always agree. Counts are whole numbers; a table `of` a group
shows each count as a percentage of the group's size.

Disclosure control (`present(..., shared=True)`): an output for sharing outside the partnership
shows a count of 1 to 4 as "fewer than 5" (primary suppression), then hides further cells so that no
hidden count can be worked out from a total shown beside it (secondary suppression: along each
column with a total row, and along each row with a total column, the smallest other non-zero count
is hidden too, or the total when there is none). A percentage is hidden when its count or the
count of the rest of the group is 1 to 4, and a whole table of a group smaller than 5. A table of a
group of none or one child shows no percentages in any output: one child's would describe them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SMALL = range(1, 5)
FEWER_THAN_5 = "fewer than 5"


@dataclass
class Row:
    label: str
    values: list[int]
    link: dict[str, str] = field(default_factory=dict)  # query parameters of a drill-down list


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[Row]
    total_row: bool = False  # the last row is the sum of the rows above
    total_column: bool = False  # the last column is the sum of the columns before it
    of: int | None = None  # the counts are of a group of this size: show percentages
    chart: bool = False  # drawn as a bar chart (the first value column)
    note: str = ""
    computed_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        rows = [Row(**row) for row in data["rows"]]
        return cls(**{**data, "rows": rows})


def with_total(rows: list[Row], label: str = "Total") -> list[Row]:
    width = max((len(row.values) for row in rows), default=0)
    return [*rows, Row(label, [sum(row.values[i] for row in rows) for i in range(width)])]


@dataclass
class Cell:
    value: int | None  # None: hidden
    text: str
    percent: float | None = None


@dataclass
class Shown:
    table: Table
    rows: list[tuple[Row, list[Cell]]]
    shared: bool

    @property
    def hidden_any(self) -> bool:
        return any(cell.value is None for _row, cells in self.rows for cell in cells)


def hidden_cells(table: Table) -> set[tuple[int, int]]:
    """The (row, column) positions to hide in a shared output."""
    grid = [row.values for row in table.rows]
    if table.of is not None:
        size = table.of
        if size < 5:  # in shared output; in any output below 2 (present)
            return {(r, c) for r, values in enumerate(grid) for c in range(len(values))}
        return {
            (r, c) for r, values in enumerate(grid) for c, n in enumerate(values) if n in SMALL or size - n in SMALL
        }
    hidden = {(r, c) for r, values in enumerate(grid) for c, n in enumerate(values) if n in SMALL}
    lines: list[list[tuple[int, int]]] = []  # each ends with its total
    width = max((len(values) for values in grid), default=0)
    if table.total_row:
        for c in range(width):
            lines.append([(r, c) for r in range(len(grid)) if c < len(grid[r])])  # total last
    if table.total_column:
        for r in range(len(grid)):
            lines.append([(r, c) for c in range(len(grid[r]))])
    changed = True
    while changed:
        changed = False
        for line in lines:
            *parts, total = line
            if total in hidden:
                continue
            if sum(1 for cell in parts if cell in hidden) != 1:
                continue
            others = [cell for cell in parts if cell not in hidden and grid[cell[0]][cell[1]] > 0]
            hidden.add(min(others, key=lambda cell: grid[cell[0]][cell[1]]) if others else total)
            changed = True
    return hidden


def present(table: Table, *, shared: bool) -> Shown:
    hidden = hidden_cells(table) if shared or (table.of is not None and table.of < 2) else set()
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, n in enumerate(row.values):
            if (r, c) in hidden:
                cells.append(Cell(None, FEWER_THAN_5))
            elif table.of:
                percent = round(100 * n / table.of)
                cells.append(Cell(n, f"{percent}%", percent))
            else:
                cells.append(Cell(n, f"{n:,}"))
        rows.append((row, cells))
    return Shown(table, rows, shared)


def csv_rows(shown: Shown) -> list[list[str]]:
    table = shown.table
    out = [[table.title], table.header]
    out += [[row.label, *(cell.text for cell in cells)] for row, cells in shown.rows]
    if table.of is not None:
        shown_percentages = table.of >= 5 or (table.of >= 2 and not shown.shared)
        out.append([f"Percentages of a group of {table.of} children" if shown_percentages else ""])
    if table.computed_at:
        out.append([f"Computed at {table.computed_at}"])
    return out
