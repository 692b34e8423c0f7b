"""Recall and precision of the text reader per layout, on random reports rendered from known cells.

    python -m bench.text_layouts --reports 20

Each report is drawn with random values (a few cells blanked) and written in
every layout of `tests/report_text.py` (tab grid, one cell per line, pipe
rows, `pdftotext -layout` space-aligned) and, with values that satisfy the
identities (`consistent_cells`), as flattened crawler text (`flat`, digit runs
split by the identities); recall is the share of stated cells read back with
their value, precision the share of read values that are right.
"""

from __future__ import annotations

import argparse
import random

from extractors.parse import parse_bytes
from tests.report_text import BLANK, FLAT, LAYOUTS, consistent_cells, render, template_keys


def score(reports: int, seed: int = 16) -> dict[str, tuple[int, int, int]]:
    """Per layout: (cells stated, read right, read wrong)."""
    rng = random.Random(seed)
    flat_rng = random.Random(seed + 1)  # its own draws: the other layouts' reports stay as before
    totals = {layout: [0, 0, 0] for layout in (*LAYOUTS, FLAT)}
    for index in range(reports):
        template = ("gov2019", "gov2021")[index % 2]
        keys = template_keys(template)
        cells: dict = {k: rng.randint(0, 5000) for k in keys}
        for key in rng.sample(keys, 3):
            cells[key] = BLANK
        drawn = [(layout, cells) for layout in LAYOUTS] + [(FLAT, consistent_cells(template, flat_rng))]
        for layout, stated_cells in drawn:
            text = render("测试县人民政府", 2021 if template == "gov2021" else 2020, template, stated_cells, layout)
            doc = parse_bytes(f"{layout}.txt", text.encode("utf-8"))
            read = {(c.table, c.row, c.column): c.value for c in doc.cells if c.value is not None}
            stated = {k: float(v) for k, v in stated_cells.items() if v is not BLANK}
            total = totals[layout]
            total[0] += len(stated)
            total[1] += sum(1 for k, v in stated.items() if read.get(k) == v)
            total[2] += sum(1 for k, v in read.items() if stated.get(k) != v)
    return {layout: (t[0], t[1], t[2]) for layout, t in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=20)
    args = parser.parse_args()
    print("| layout | cells stated | recall | precision |")
    print("|---|---|---|---|")
    for layout, (stated, right, wrong) in score(args.reports).items():
        precision = right / (right + wrong) if right + wrong else 1.0
        print(f"| {layout} | {stated} | {right / stated:.1%} | {precision:.1%} |")


if __name__ == "__main__":
    main()
