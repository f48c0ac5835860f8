"""The portal's settings for bench_pages' server, with one URL more: the authenticated no-op that every
page is measured against (benchmarks.pages_urls). Nothing else differs."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.pages_urls"
