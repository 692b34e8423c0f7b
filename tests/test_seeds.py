"""The committed dbt seeds are exactly what the Python vocabulary renders (one name, one thing)."""

from __future__ import annotations

from extractors.seeds import SEEDS_DIR, render_seeds


def test_seeds_match_the_code() -> None:
    for name, text in render_seeds().items():
        committed = (SEEDS_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run `python -m extractors.seeds`"
