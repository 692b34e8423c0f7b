"""GX data docs that load nothing from outside the site: CDN assets served from vendored copies.

GX's page templates link jQuery, Bootstrap, bootstrap-table, Vega and Font
Awesome from public CDNs, and its logo from S3. The quality view serves the
docs to browsers that may reach nothing but the Airflow host, so after every
build `localize_site` copies `expectations/static/vendor/` (see its README)
into the site's `static/vendor/` and rewrites each such URL to a relative
link to the copy (or to GX's own `static/images/`), which also works for the
`file://` pages the alerts link.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

VENDOR_DIR = Path(__file__).parent / "static" / "vendor"
SITE_VENDOR = "static/vendor"  # where the copies go, relative to the site root
_S3 = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
# GX's logos: the site's static/images holds logo-long.png; the dark-mode one exists only on S3.
GX_IMAGES = {
    f"{_S3}logo-long.png": "static/images/logo-long.png",
    f"{_S3}full_logo_dark.png": "static/images/logo-long.png",
}

# Tags whose src/href the browser loads (an <a href> is only followed when clicked).
_TAG = re.compile(r"<(?:script|link|img|source|iframe)\b[^>]*>", re.IGNORECASE)
_TAG_URL = re.compile(r"""\b(?:src|href)=(["'])(https?://[^"']+)\1""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(https?://[^"')\s]+)\1\s*\)""", re.IGNORECASE)
# A relative link into the site's static/ folder (GX's favicon link on validation pages is one level short).
_TAG_STATIC = re.compile(r"""\b(?:src|href)=(["'])((?:\.{1,2}/)*)static/""", re.IGNORECASE)
# Subresource integrity needs a CORS fetch, which file:// pages cannot make; the manifest pins the bytes instead.
_SRI = re.compile(r"""\s(?:integrity|crossorigin)=(["'])[^"']*\1""", re.IGNORECASE)


def local_assets() -> dict[str, str]:
    """Outside asset URL (without query) -> its local copy, relative to the site root."""
    manifest = json.loads((VENDOR_DIR / "manifest.json").read_text(encoding="utf-8"))
    assets = {url: f"{SITE_VENDOR}/{entry['file']}" for entry in manifest for url in entry["urls"]}
    return {**assets, **GX_IMAGES}


def outside_urls(text: str) -> list[str]:
    """The http(s) URLs a page or stylesheet loads: src/href of loading tags, and CSS url()."""
    urls = [m[2] for tag in _TAG.findall(text) for m in _TAG_URL.finditer(tag)]
    return urls + [m[2] for m in _CSS_URL.finditer(text)]


def localize_text(text: str, to_root: str, assets: Mapping[str, str], left: set[str]) -> str:
    """Point every outside asset URL in `text` at its copy (`to_root` leads back to the site root).

    URLs with no local copy stay as they are and are added to `left`.
    """

    def local(url: str) -> str | None:
        path = assets.get(url.split("?", 1)[0])  # GX's logo URL carries a cache-busting query
        if path is None:
            left.add(url)
        return None if path is None else to_root + path

    def tag(match: re.Match[str]) -> str:
        original = match[0]
        found = _TAG_URL.search(original)
        if found is None:
            static = _TAG_STATIC.search(original)
            return original if static is None else original[: static.start(2)] + to_root + original[static.end(2) :]
        if (path := local(found[2])) is None:
            return original
        rewritten = original[: found.start(2)] + path + original[found.end(2) :]
        return _SRI.sub("", rewritten)

    def css(match: re.Match[str]) -> str:
        path = local(match[2])
        return match[0] if path is None else f"url('{path}')"

    return _CSS_URL.sub(css, _TAG.sub(tag, text))


def localize_site(docs_dir: Path) -> list[str]:
    """Copy the vendored assets into the site and rewrite its pages and styles; return URLs left outside."""
    shutil.copytree(VENDOR_DIR, docs_dir / SITE_VENDOR, dirs_exist_ok=True)
    assets = local_assets()
    left: set[str] = set()
    for path in sorted([*docs_dir.rglob("*.html"), *docs_dir.rglob("*.css")]):
        relative = path.relative_to(docs_dir)
        if relative.as_posix().startswith(f"{SITE_VENDOR}/"):
            continue  # the vendored files load only their own relative fonts
        text = path.read_text(encoding="utf-8")
        if "://" not in text:
            continue
        localized = localize_text(text, "../" * (len(relative.parts) - 1), assets, left)
        if localized != text:
            path.write_text(localized, encoding="utf-8")
    return sorted(left)
