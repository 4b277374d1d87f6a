"""Settings for the test suite: a throwaway DANGAN_HOME, and PostgreSQL when DANGAN_TEST_DATABASE_URL is set."""

import os
import tempfile

os.environ.setdefault("DANGAN_HOME", tempfile.mkdtemp(prefix="dangan-test-"))
if os.environ.get("DANGAN_TEST_DATABASE_URL"):
    os.environ["DANGAN_DATABASE_URL"] = os.environ["DANGAN_TEST_DATABASE_URL"]
else:
    os.environ.pop("DANGAN_DATABASE_URL", None)

from dangan.settings import *  # noqa: F403
from dangan.settings import DATABASES, STATIC_ROOT

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file database (not :memory:) so that a live server thread and the tests share it.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["DANGAN_HOME"], "test.sqlite3")}
