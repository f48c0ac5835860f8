"""A detector of untranslated text on a rendered page, built from the message catalogues themselves.

A page rendered in one language must not show a source text of the other:
- in English, no Dutch msgid of the project's catalogue whose English translation is missing or differs
  (a text the template or the code forgot to translate, or a stored text frozen in Dutch);
- in Dutch, no English msgid of Django's or an installed app's catalogue that the Dutch catalogues
  (the project's and the app's) leave untranslated (Django 5.2's changed password messages).

Each msgid becomes a pattern (its placeholders match anything). A msgid of three words or more is
looked for anywhere in a line of the page's text; a shorter one only as a whole line, so that a Dutch
"of" is not found inside "Page 1 of 3". Texts that read the same in both languages ("Status", "API")
have a translation equal to the msgid and are never reported.
"""

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.utils.translation import trans_real

PLACEHOLDER = re.compile(r"%\([^)]+\)[sdr]|%[sdr]|\{[^}]*\}")
INLINE_TAGS = {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "time", "sup", "sub"}
SKIPPED_TAGS = {"script", "style", "svg", "template"}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
TAG = re.compile(r"<[^>]+>")


def po_entries(path: Path) -> list[tuple[str | None, str, str | None, str]]:
    """(msgctxt, msgid, msgid_plural, msgstr) of every entry of a .po file, the header left out."""
    found, current, key = [], {}, None

    def flush():
        if current.get("msgid"):
            msgstr = current.get("msgstr", current.get("msgstr[0]", ""))
            found.append((current.get("msgctxt"), current["msgid"], current.get("msgid_plural"), msgstr))

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            key = match.group(1)
            if key in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in current):
                flush()
                current = {}
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    flush()
    return found


@dataclass(frozen=True)
class Source:
    """One msgid a page could show, with the pattern that finds it in a line of text."""

    context: str | None
    msgid: str  # the catalogue's key (a plural form is found by its own text, under its singular)
    pattern: re.Pattern

    @property
    def key(self):
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


def _plain(text: str) -> str:
    return " ".join(TAG.sub("", text).split())


def source(context: str | None, msgid: str, text: str | None = None) -> Source | None:
    plain = _plain(text or msgid)
    words = PLACEHOLDER.sub(" ", plain).split()
    if sum(ch.isalpha() for ch in "".join(words)) < 3:
        return None
    parts = [re.escape(part) for part in PLACEHOLDER.split(plain)]
    body = ".+?".join(parts)
    pattern = body if len(words) >= 3 else rf"^{body}$"
    return Source(context, msgid, re.compile(pattern))


def project_sources() -> list[Source]:
    """The Dutch msgids of the project's catalogue (its Dutch entries are empty or the msgid itself; one
    with another msgstr translates a foreign English msgid, such as Django's)."""
    path = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    return [
        s
        for ctx, msgid, _plural, msgstr in po_entries(path)
        if msgstr in ("", msgid) and (s := source(ctx, msgid))
    ]


def english_sources() -> list[Source]:
    """The English msgids of Django and of every installed app that ships a catalogue."""
    roots = [Path(django.__file__).parent / "conf"] + [Path(config.path) for config in apps.get_app_configs()]
    found = []
    for root in roots:
        path = root / "locale" / "en" / "LC_MESSAGES" / "django.po"
        if path.exists() and not str(path).startswith(str(settings.BASE_DIR / "locale")):
            for ctx, msgid, plural, _msgstr in po_entries(path):
                found += [s for text in (msgid, plural) if text and (s := source(ctx, msgid, text))]
    return found


def catalogue(language: str) -> dict:
    return trans_real.translation(language)._catalog


def _translation(catalog, key):
    value = catalog.get(key, catalog.get((key, 0)))
    return value or None


def untranslated_in_english(sources: list[Source], catalog) -> list[Source]:
    """Dutch msgids that an English page must not show: no translation, or one that differs."""
    return [s for s in sources if _translation(catalog, s.key) != s.msgid]


def untranslated_in_dutch(sources: list[Source], catalog) -> list[Source]:
    """English msgids that a Dutch page must not show: the Dutch catalogues do not translate them."""
    return [s for s in sources if _translation(catalog, s.key) is None]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.skipping = [], [], 0

    def _break(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        if tag not in INLINE_TAGS:
            self._break()
        values = dict(attrs)
        self.lines += [" ".join(values[name].split()) for name in ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.lines.append(values["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        if tag not in INLINE_TAGS:
            self._break()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)

    def close(self):
        super().close()
        self._break()


def page_lines(html: str) -> list[str]:
    """The text a reader sees (and hears: titles, labels, placeholders), one line per block."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.lines


def findings(html: str, suspects: list[Source]) -> list[tuple[str, str]]:
    """(msgid, line) for every suspect msgid found in a line of the page."""
    lines = page_lines(html)
    return sorted({(s.msgid, line) for s in suspects for line in lines if s.pattern.search(line)})
