"""Where docs/RUNBOOK.md explains a check: the anchor of its section, as GitHub and the quality view render it.

Each check has a section headed by its id alone (`### app.results_sum`), so its
anchor follows from the id: GitHub's heading slug (lowercase; characters other
than letters, digits, `_`, `-` and spaces dropped; spaces to `-`) gives
`#appresults_sum`. `tests/expectations/test_runbook.py` keeps the headings and
these anchors in step.
"""

from __future__ import annotations

import re

RUNBOOK = "docs/RUNBOOK.md"
_DROPPED = re.compile(r"[^\w\- ]", re.UNICODE)


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading's text (without the duplicate-heading suffix)."""
    return _DROPPED.sub("", heading.strip().lower()).replace(" ", "-")


def runbook_anchor(check_id: str) -> str:
    """The fragment of the check's runbook section, e.g. `appresults_sum`."""
    return slug(check_id)
