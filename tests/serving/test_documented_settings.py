"""Every environment variable the settings and the gunicorn config read is in .env.example and in
README's "Production" table, so an operator finds each one."""

import re

from .conftest import ROOT

READS = re.compile(
    r"""env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"|os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"|_env_int\(\s*"([A-Z][A-Z0-9_]+)\""""
)


def variables_read() -> set[str]:
    sources = [ROOT / "portal" / "settings.py", ROOT / "deploy" / "gunicorn.conf.py"]
    return {name for path in sources for match in READS.findall(path.read_text()) for name in match if name}


def test_the_scan_finds_the_variables():
    assert {"SECRET_KEY", "DATABASE_URL", "TRUST_X_FORWARDED_PROTO", "GUNICORN_WORKERS"} <= variables_read()


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert variables_read() - listed == set()


def test_the_production_section_names_every_variable():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]

    assert {name for name in variables_read() if f"`{name}`" not in section} == set()
