"""The PDF parse bench's timing report (`bench/parse_formats.py`): best-of-rounds wall and CPU seconds, and both
ratios against pdfplumber's, without writing a corpus (the bench itself needs LibreOffice)."""

from __future__ import annotations

from bench.parse_formats import NEVER, Seconds, ratio_line, timed


def test_best_rounds_are_kept_per_clock_and_both_ratios_printed() -> None:
    rounds = [Seconds(1.0, 0.5) + Seconds(1.0, 0.25), Seconds(3.0, 0.6)]  # wall and CPU best in different rounds
    ours = NEVER
    for seconds in rounds:
        ours = ours.best(seconds)
    assert ours == Seconds(2.0, 0.6)
    line = ratio_line("pdf", ours, Seconds(4.0, 0.8), pages=10, rounds=2)
    assert line.startswith("pdf             our parse 2.00 s, pdfplumber extract_text + extract_tables 4.00 s")
    assert "for 10 pages (best of 2): ratio 0.50 (0.200 vs 0.400 s/page)" in line
    assert line.endswith("CPU 0.60 s vs 0.80 s: ratio 0.75")


def test_timed_counts_this_process_cpu() -> None:
    total, seconds = timed(lambda: sum(i * i for i in range(300_000)))
    assert total == sum(i * i for i in range(300_000))
    assert seconds.cpu > 0 and seconds.wall > 0
