"""A small CSS selector subset translated to XPath, for the registry's `css_selector` hint.

lxml's own `cssselect()` needs the cssselect package, which is not a
dependency; listing pages only need "the links inside this box", so tag,
`.class`, `#id`, their combinations, selector lists (`a, b`) and the
descendant / child combinators are enough.
"""

from __future__ import annotations

import re

_COMPOUND = re.compile(r"^(?P<tag>[a-zA-Z][a-zA-Z0-9]*|\*)?(?P<rest>(?:[.#][\w-]+)*)$")
_PART = re.compile(r"([.#])([\w-]+)")


def css_to_xpath(selector: str) -> str:
    """XPath of `selector`; raises ValueError for anything outside the supported subset."""
    alternatives = [s.strip() for s in selector.split(",")]
    if not all(alternatives):
        raise ValueError(f"empty selector in {selector!r}")
    return " | ".join(_one(s) for s in alternatives)


def _one(selector: str) -> str:
    tokens = re.sub(r"\s*>\s*", " > ", selector).split()
    xpath, axis = "", "descendant-or-self::"
    for token in tokens:
        if token == ">":
            if not xpath or axis == "/":
                raise ValueError(f"misplaced '>' in {selector!r}")
            axis = "/"
            continue
        xpath += axis + _compound(token, selector)
        axis = "//"
    if axis == "/":
        raise ValueError(f"selector {selector!r} ends with '>'")
    return xpath


def _compound(token: str, selector: str) -> str:
    match = _COMPOUND.match(token)
    if not match or not (match.group("tag") or match.group("rest")):
        raise ValueError(f"unsupported CSS in {selector!r}: {token!r} (use tag, .class, #id, ' ' or '>')")
    tests = []
    for kind, name in _PART.findall(match.group("rest")):
        if kind == "#":
            tests.append(f"@id='{name}'")
        else:
            tests.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')")
    tag = (match.group("tag") or "*").lower()
    return tag + "".join(f"[{t}]" for t in tests)
