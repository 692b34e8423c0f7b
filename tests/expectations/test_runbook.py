"""The runbook links that alerts and the quality view produce land on a section that exists."""

from __future__ import annotations

import re

from expectations.identities import IDENTITIES
from expectations.runbook import RUNBOOK, runbook_anchor, slug
from pipeline.settings import REPO_ROOT


def rendered_anchors() -> set[str]:
    """The anchors GitHub renders for the runbook's headings (its slug rule, see expectations.runbook)."""
    text = (REPO_ROOT / RUNBOOK).read_text(encoding="utf-8")
    return {slug(m["text"]) for m in re.finditer(r"^#{1,6} (?P<text>.+)$", text, re.MULTILINE)}


def test_github_slug_of_a_check_heading() -> None:
    assert slug("app.results_sum") == "appresults_sum"
    assert slug("narrative.proactive (warning: digest)") == "narrativeproactive-warning-digest"
    assert slug("Triage in four looks") == "triage-in-four-looks"


def test_every_check_links_to_a_rendered_section() -> None:
    anchors = rendered_anchors()
    missing = {i.check_id: runbook_anchor(i.check_id) for i in IDENTITIES if runbook_anchor(i.check_id) not in anchors}
    assert not missing, f"no runbook heading renders these anchors: {missing}"


def test_alert_links_the_rendered_anchor() -> None:
    from alerts.checks import format_alert

    facts = {
        "run_id": "r",
        "report_id": "rep",
        "check_id": "narrative.proactive",
        "subject": "proactive_published_total",
        "expected": 9.0,
        "observed": 10.0,
    }
    _, body = format_alert(facts, None)
    link = re.search(r"Runbook: +docs/RUNBOOK\.md#(\S+)", body)
    assert link and link[1] == "narrativeproactive" and link[1] in rendered_anchors()
