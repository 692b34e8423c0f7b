"""docs/RUNBOOK.md as an HTML page, its headings carrying GitHub's anchors (served by the quality view).

The quality view and the alerts link a check to `#<anchor>` of its section
(`expectations.runbook.runbook_anchor`); here each heading gets that id, so
the links land where they do on GitHub.
"""

from __future__ import annotations

from pathlib import Path

from expectations.runbook import RUNBOOK, slug
from pipeline.settings import REPO_ROOT

RUNBOOK_PATH = REPO_ROOT / RUNBOOK
_STYLE = (
    'body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:960px;margin:16px auto;padding:0 16px;'
    "line-height:1.5;color:#1a202c}code,pre{background:#edf2f7;border-radius:3px}pre{padding:8px;overflow:auto}"
    "table{border-collapse:collapse}th,td{border:1px solid #e2e8f0;padding:4px 8px;vertical-align:top}"
    ":target{background:#fefcbf}"
)


def render_runbook(path: Path = RUNBOOK_PATH) -> str:
    """The runbook's HTML; a heading's id is GitHub's slug of its text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(path.read_text(encoding="utf-8"))
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", slug(tokens[i + 1].content))
    body = md.renderer.render(tokens, md.options, {})
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>On-call runbook</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )
