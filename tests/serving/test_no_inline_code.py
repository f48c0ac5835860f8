"""No template of the portal carries inline script or style: the Content-Security-Policy allows neither
('unsafe-inline' is not in it), so anything inline would silently not run or not apply."""

import re
from pathlib import Path

import pytest
from django.conf import settings

# A <script> that runs: one without src that is not a data block (application/json is never executed).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']?\s*javascript:", re.I)
INLINE = {
    "inline <script>": INLINE_SCRIPT,
    "<style> block": STYLE_BLOCK,
    "style attribute": STYLE_ATTRIBUTE,
    "event handler attribute": EVENT_HANDLER,
    "javascript: URL": JAVASCRIPT_URL,
}


def portal_templates() -> list[Path]:
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    roots += [path.parent / "templates" for path in Path(settings.BASE_DIR).glob("*/apps.py")]
    roots += [path.parent / "templates" for path in Path(settings.BASE_DIR).glob("*/*/apps.py")]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html"))


def test_the_scan_sees_the_templates_and_would_catch_each_kind():
    names = {path.name for path in portal_templates()}
    assert {"base.html", "500.html", "overview.html", "api_keys.html"} <= names
    samples = {
        "inline <script>": "<script>alert(1)</script>",
        "<style> block": "<style>p{}</style>",
        "style attribute": '<span style="width: 5%">',
        "event handler attribute": '<button onclick="go()">',
        "javascript: URL": '<a href="javascript:go()">',
    }
    for kind, sample in samples.items():
        assert INLINE[kind].search(sample), kind
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="s">{}</script>')


@pytest.mark.parametrize("kind", INLINE)
def test_no_template_has_inline_code(kind):
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in portal_templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if INLINE[kind].search(line)
    ]
    assert found == [], f"{kind} in {found}"
