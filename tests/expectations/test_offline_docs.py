"""The vendored data docs assets: every CDN URL GX's templates load has an unmodified local copy."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from expectations.offline_docs import GX_IMAGES, VENDOR_DIR, local_assets, localize_text, outside_urls

GX_VIEW = Path(pytest.importorskip("great_expectations").__file__).parent / "render" / "view"


def test_vendored_files_match_the_manifest() -> None:
    manifest = json.loads((VENDOR_DIR / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest:
        data = (VENDOR_DIR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
    listed = {entry["file"] for entry in manifest}
    shipped = {
        p.relative_to(VENDOR_DIR).as_posix()
        for p in VENDOR_DIR.rglob("*")
        if p.is_file() and p.name not in ("README.md", "manifest.json") and not p.name.startswith("LICENSE")
    }
    assert shipped == listed  # nothing unlisted ships, nothing listed is missing


def test_every_asset_gx_templates_load_is_vendored() -> None:
    """Fails after a GX upgrade that links a new CDN asset: vendor it (expectations/static/vendor/README.md)."""
    sources = [*(GX_VIEW / "templates").glob("*.j2"), *(GX_VIEW / "static" / "styles").glob("*.css")]
    linked = {url for path in sources for url in outside_urls(path.read_text(encoding="utf-8"))}
    assert len(linked) >= 13, sorted(linked)  # the scan still sees GX's CDN links
    assert linked - set(local_assets()) == set()
    # the navbar builds its logo URL from a variable: the GX_IMAGES entry must still match the template
    assert 'static_images_dir = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"' in (
        GX_VIEW / "templates" / "top_navbar.j2"
    ).read_text(encoding="utf-8")
    assert all((GX_VIEW / path).is_file() for path in GX_IMAGES.values())


def test_vendored_scripts_are_the_bytes_gx_pins() -> None:
    """GX pins popper and bootstrap by subresource integrity: the copies hash the same."""
    template = (GX_VIEW / "templates" / "js_script_imports.j2").read_text(encoding="utf-8")
    pinned = re.findall(r'src="([^"]+)" integrity="sha384-([^"]+)"', template)
    assert len(pinned) == 2, template
    assets = local_assets()
    for url, digest in pinned:
        data = (VENDOR_DIR / assets[url].removeprefix("static/vendor/")).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, url


def test_vendored_fonts_resolve() -> None:
    """Each @font-face's first source (the woff2 browsers take) is shipped next to its stylesheet."""
    for css in VENDOR_DIR.rglob("*.css"):
        for source in re.findall(r"@font-face\{[^}]*?src:\s*url\(([^)]+)\)", css.read_text(encoding="utf-8")):
            assert (css.parent / source.strip("'\"")).is_file(), (css, source)


def test_localize_text() -> None:
    assets = {"https://cdn.example/x.js": "static/vendor/x.js"}
    page = (
        '<script src="https://cdn.example/x.js" integrity="sha384-abc" crossorigin="anonymous"></script>'
        '<script src="https://cdn.example/new.js"></script>'
        '<link rel="icon" href="../static/images/favicon.ico"/>'
        '<a href="https://greatexpectations.io">GX</a>'
        "<style>.b { background: url('https://cdn.example/x.js') }</style>"
    )
    left: set[str] = set()
    assert localize_text(page, "../../", assets, left) == (
        '<script src="../../static/vendor/x.js"></script>'
        '<script src="https://cdn.example/new.js"></script>'
        '<link rel="icon" href="../../static/images/favicon.ico"/>'
        '<a href="https://greatexpectations.io">GX</a>'
        "<style>.b { background: url('../../static/vendor/x.js') }</style>"
    )
    assert left == {"https://cdn.example/new.js"}
