"""Where the tests find the repo's files, wherever in tests/ a test module sits."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "data" / "samples"
GOLDEN = REPO_ROOT / "tests" / "golden"  # the samples' expected cells
REGISTRY = REPO_ROOT / "sources.yml"
