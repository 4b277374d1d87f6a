"""Settings of the portal benchmark's server: dangan's own, with the bench's URLconf (bench/portal_urls.py), which
adds the bare yardstick view. Read by the server process that bench/portal_bench.py starts
(DJANGO_SETTINGS_MODULE=portal_settings, bench/ on the path)."""

from dangan.settings import *  # noqa: F403

ROOT_URLCONF = "portal_urls"
