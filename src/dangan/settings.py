"""One settings module, driven by DANGAN_* environment variables (see docs/operations.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DANGAN_HOME = Path(os.environ.get("DANGAN_HOME", "var")).resolve()
STORAGE_ROOT = Path(os.environ.get("DANGAN_STORAGE_ROOT", str(DANGAN_HOME / "storage"))).resolve()
# Where the OCFL storage root is (preservation.store): file:///path (a local directory: then STORAGE_ROOT is that
# path), or s3://bucket[/prefix] on the S3-compatible store at DANGAN_S3_ENDPOINT. Empty: file:// STORAGE_ROOT.
STORAGE_URL = os.environ.get("DANGAN_STORAGE_URL", "").strip()
if STORAGE_URL.lower().startswith("file://"):
    from urllib.parse import unquote, urlsplit

    STORAGE_ROOT = Path(unquote(urlsplit(STORAGE_URL).path) or "/").resolve()
S3_ENDPOINT = os.environ.get("DANGAN_S3_ENDPOINT", "").strip()  # http://host:port or https://host
S3_REGION = os.environ.get("DANGAN_S3_REGION", "us-east-1").strip() or "us-east-1"
S3_ACCESS_KEY_ID = os.environ.get("DANGAN_S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = os.environ.get("DANGAN_S3_SECRET_ACCESS_KEY", "")
S3_CA_FILE = os.environ.get("DANGAN_S3_CA_FILE", "")  # https with a CA of the site's own
# A local copy of a master that an image library must open from a file (IIIF derivatives) when the storage root is
# on S3; content-addressed, rebuilt on demand, may be emptied at any time.
STORAGE_CACHE_ROOT = Path(os.environ.get("DANGAN_STORAGE_CACHE", str(DANGAN_HOME / "cache" / "storage"))).resolve()
# The site's own search dictionary file (one word per line), on top of the shipped archival dictionary.
SEARCH_DICTIONARY_FILE = Path(
    os.environ.get("DANGAN_SEARCH_DICTIONARY", str(DANGAN_HOME / "search-dictionary.txt"))
).resolve()
LOG_DIR = DANGAN_HOME / "logs"


def _secret_key() -> str:
    if key := os.environ.get("DANGAN_SECRET_KEY"):
        return key
    key_file = DANGAN_HOME / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    try:
        DANGAN_HOME.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
    except OSError:
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()

# The audit log's HMAC key (core.auditlog.key): kept outside the database, so that whoever can write the database
# but not read this file cannot rewrite the log unnoticed. DANGAN_AUDIT_KEY (64 hex digits) overrides the file; the
# file is created (mode 0600) by `dangan init` or the first entry of an empty log. See docs/audit-log.md.
AUDIT_KEY = os.environ.get("DANGAN_AUDIT_KEY", "")
AUDIT_KEY_FILE = Path(os.environ.get("DANGAN_AUDIT_KEY_FILE", str(DANGAN_HOME / "audit.key"))).resolve()
# Signed heads of the audit log (anchors) are appended to this file and to the preservation storage root: after
# every AUDIT_ANCHOR_EVERY entries, at each run of the scheduler when the log has grown, and at every verification.
AUDIT_ANCHOR_FILE = Path(
    os.environ.get("DANGAN_AUDIT_ANCHOR_FILE", str(DANGAN_HOME / "logs" / "audit-anchors.log"))
).resolve()
AUDIT_ANCHOR_EVERY = max(1, int(os.environ.get("DANGAN_AUDIT_ANCHOR_EVERY", 100)))
DEBUG = _env_bool("DANGAN_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DANGAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DANGAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]


# HTTPS (docs/security.md). Unset means: on, unless the server answers only to this machine (every allowed host is a
# loopback name), which is how `make run` serves plain http on 127.0.0.1. On: Secure cookies and HSTS.
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
HTTPS = _env_bool("DANGAN_HTTPS", not set(ALLOWED_HOSTS) <= _LOOPBACK_HOSTS)


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto: https`` (or ``=``) → ``("HTTP_X_FORWARDED_PROTO", "https")``; empty → None."""
    if not value.strip():
        return None
    name, sep, expected = value.replace("=", ":", 1).partition(":")
    if not sep or not name.strip() or not expected.strip():
        raise ValueError(f"DANGAN_PROXY_SSL_HEADER must read 'Header-Name: value', not {value!r}")
    return "HTTP_" + name.strip().upper().replace("-", "_"), expected.strip()


# The header a TLS-terminating proxy sets (and strips from clients), e.g. "X-Forwarded-Proto: https".
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(os.environ.get("DANGAN_PROXY_SSL_HEADER", ""))
# How many proxies in front of dangan append to X-Forwarded-For: the client address (audit log, sign-in locks) is
# the entry that many places from the right. 0: the connection's own address.
TRUSTED_PROXIES = int(os.environ.get("DANGAN_TRUSTED_PROXIES", 0))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True  # pages take the token from the form or the hx-headers attribute, never the cookie
SECURE_HSTS_SECONDS = int(os.environ.get("DANGAN_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DANGAN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = _env_bool("DANGAN_SSL_REDIRECT", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves its bundled Swagger UI for /api/docs (no CDN)
    "dangan.utilities",
    "dangan.core",
    "dangan.catalog",
    "dangan.search",
    "dangan.preservation",
    "dangan.accession",
    "dangan.digitization",
    "dangan.replication",
    "dangan.conservation",
    "dangan.access",
    "dangan.outreach",
    "dangan.compilation",
]

MIDDLEWARE = [
    "dangan.core.api.APIErrorMiddleware",  # first: every error under /api/ becomes JSON, whoever answered it
    "django.middleware.security.SecurityMiddleware",
    "dangan.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dangan.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangan.core.middleware.PasswordChangeRequiredMiddleware",
    "dangan.core.middleware.ReadersOutsideWorkspaceMiddleware",
]

ROOT_URLCONF = "dangan.urls"
WSGI_APPLICATION = "dangan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangan.core.context_processors.workspace",
                "dangan.core.context_processors.security",
                "dangan.access.context_processors.portal",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DANGAN_DATABASE_URL") or f"sqlite:///{DANGAN_HOME / 'dangan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 600  # per thread; saves opening the file and the PRAGMAs per request

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "catalog:fonds_list"
LOGOUT_REDIRECT_URL = "core:login"

# Password policy (等级保护; docs/security.md): length, character classes, not like the account's names, not common,
# and a maximum age after which the account must set a new one (0: never).
PASSWORD_MIN_LENGTH = int(os.environ.get("DANGAN_PASSWORD_MIN_LENGTH", 10))
PASSWORD_CHARACTER_CLASSES = int(os.environ.get("DANGAN_PASSWORD_CHARACTER_CLASSES", 3))
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DANGAN_PASSWORD_MAX_AGE_DAYS", 90))
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {
        "NAME": "dangan.core.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_CHARACTER_CLASSES},
    },
    {"NAME": "dangan.core.passwords.NotLikeUsernameValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in failures (登录失败处理): after ..._FAILURES failed attempts within ..._WINDOW_SECONDS an account name, or
# a client address, is locked for ..._LOCK_SECONDS (0: until the security administrator unlocks it).
SIGNIN_ACCOUNT_FAILURES = int(os.environ.get("DANGAN_SIGNIN_ACCOUNT_FAILURES", 5))
SIGNIN_ADDRESS_FAILURES = int(os.environ.get("DANGAN_SIGNIN_ADDRESS_FAILURES", 20))
SIGNIN_WINDOW_SECONDS = int(os.environ.get("DANGAN_SIGNIN_WINDOW_SECONDS", 15 * 60))
SIGNIN_LOCK_SECONDS = int(os.environ.get("DANGAN_SIGNIN_LOCK_SECONDS", 30 * 60))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DANGAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DANGAN_HOME / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DANGAN_HOME / "uploads"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
# Catalog import (see docs/operations.md): the largest file accepted (web form, API and CLI alike), and the largest
# used range of a sheet — rows, columns and rows × columns — read before anything is allocated for it.
IMPORT_MAX_BYTES = int(os.environ.get("DANGAN_IMPORT_MAX_BYTES", 200 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("DANGAN_IMPORT_MAX_ROWS", 1_000_000))
IMPORT_MAX_COLUMNS = int(os.environ.get("DANGAN_IMPORT_MAX_COLUMNS", 200))
IMPORT_MAX_CELLS = int(os.environ.get("DANGAN_IMPORT_MAX_CELLS", 20_000_000))
# Private-use characters (U+E000–U+F8FF, planes 15–16) are DA/T 70 special characters, unless this institution
# makes its own characters (造字) there.
ALLOW_PRIVATE_USE_CHARACTERS = _env_bool("DANGAN_ALLOW_PRIVATE_USE_CHARACTERS", False)
# Files in one multipart request (Django's guard; also the most files one upload to a unit's package may hold).
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("DANGAN_UPLOAD_MAX_FILES", 100))

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with one plain SELECT per request (core/sessions.py).
SESSION_ENGINE = "dangan.core.sessions"
SESSION_COOKIE_AGE = int(os.environ.get("DANGAN_SESSION_SECONDS", 8 * 3600))
X_FRAME_OPTIONS = "DENY"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if os.environ.get("DANGAN_TASKS") == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# `dangan serve` runs a task worker thread in the server process unless this is off.
INPROCESS_WORKER = _env_bool("DANGAN_INPROCESS_WORKER", True)
# A task whose worker process died under it (kill -9, out of memory, a crash in a C library) is queued again, up to
# this many deaths; then it is marked failed instead of killing the next worker too (core.worker).
TASK_MAX_CRASHES = max(1, int(os.environ.get("DANGAN_TASK_MAX_CRASHES", 2)))
# How often (seconds) a running worker looks for tasks left by dead workers, on any host; 0: only when it starts.
WORKER_RECOVERY_SECONDS = float(os.environ.get("DANGAN_WORKER_RECOVERY_SECONDS", 30))
# How often (seconds) a worker looks for periodic jobs that are due (core.schedule); 0 turns the scheduler off.
SCHEDULER_SECONDS = int(os.environ.get("DANGAN_SCHEDULER_SECONDS", 300))

# Preservation (see docs/operations.md). The OCFL storage root is STORAGE_ROOT above. Without fsync/syncfs a write is
# still atomic against a killed process, not against a power cut: leave this on outside tests and benchmarks.
STORAGE_DURABLE = _env_bool("DANGAN_STORAGE_DURABLE", True)
# Files uploaded to a unit's package from the workspace or the API (POST /api/units/<uuid>/files): the most one
# request may carry in total (default 2 GiB); they are streamed to MEDIA_ROOT/preserve, never held in memory. The
# number of files per request is DATA_UPLOAD_MAX_NUMBER_FILES above.
PRESERVE_UPLOAD_MAX_BYTES = int(os.environ.get("DANGAN_PRESERVE_UPLOAD_MAX_BYTES", 2 * 1024**3))
# Fixity audits run by the worker, by default as DA/T 70-2018 §4.3.1.2 asks: a full pass at least every two years
# and a sample of at least 5 % every quarter.
AUDIT_SCHEDULE = _env_bool("DANGAN_AUDIT_SCHEDULE", True)
AUDIT_FULL_DAYS = int(os.environ.get("DANGAN_AUDIT_FULL_DAYS", 730))
AUDIT_SAMPLE_DAYS = int(os.environ.get("DANGAN_AUDIT_SAMPLE_DAYS", 91))
AUDIT_SAMPLE_PERCENT = float(os.environ.get("DANGAN_AUDIT_SAMPLE_PERCENT", 5))
# The scheduled full pass also checks SHA-256 and SM3 (about 3.5× slower than SHA-512 alone; samples check SHA-512).
AUDIT_FULL_ALL_DIGESTS = _env_bool("DANGAN_AUDIT_FULL_ALL_DIGESTS", True)

# IIIF image serving (see docs/development/iiif.md): viewing derivatives (tiled pyramids, thumbnails) live outside the
# OCFL objects and can be rebuilt from the masters (`dangan derivatives rebuild`); the Image API's size limits.
DERIVATIVES_ROOT = Path(os.environ.get("DANGAN_DERIVATIVES_ROOT", str(DANGAN_HOME / "derivatives"))).resolve()
# Images whose viewing derivatives one build makes at once (threads); 0: one per CPU, at most 4.
DERIVATIVE_BUILDERS = int(os.environ.get("DANGAN_DERIVATIVE_BUILDERS", "0"))
IIIF_MAX_WIDTH = int(os.environ.get("DANGAN_IIIF_MAX_WIDTH", 10000))
IIIF_MAX_HEIGHT = int(os.environ.get("DANGAN_IIIF_MAX_HEIGHT", 10000))
IIIF_MAX_AREA = int(os.environ.get("DANGAN_IIIF_MAX_AREA", 40_000_000))
IIIF_CACHE_SECONDS = int(os.environ.get("DANGAN_IIIF_CACHE_SECONDS", 3600))

# Accession (see docs/operations.md): the work area where received packages are unpacked and bagged, ClamAV's
# signature directory and scanner, the transfer format policy and the packages written at once on acceptance.
ACCESSION_ROOT = Path(os.environ.get("DANGAN_ACCESSION_ROOT", str(DANGAN_HOME / "accession"))).resolve()
CLAMAV_DB = Path(os.environ.get("DANGAN_CLAMAV_DB", "/var/lib/clamav"))
CLAMAV_SCANNER = os.environ.get("DANGAN_CLAMAV_SCANNER", "clamscan")
CLAMAV_TIMEOUT = int(os.environ.get("DANGAN_CLAMAV_TIMEOUT", 3600))
# ClamAV's image fuzzy hashes decode every image to match signatures of known pictures (phishing logos); for scanned
# pages that decoding is 60 % of the scan. Off unless asked for; the images are still scanned for malware.
CLAMAV_IMAGE_FUZZY_HASH = _env_bool("DANGAN_CLAMAV_IMAGE_FUZZY_HASH", False)
ACCESSION_FORMATS = [f.strip() for f in os.environ.get("DANGAN_ACCESSION_FORMATS", "").split(",") if f.strip()]
ACCESSION_REQUIRED_FIELDS = [
    f.strip() for f in os.environ.get("DANGAN_ACCESSION_REQUIRED_FIELDS", "").split(",") if f.strip()
]
ACCESSION_MIN_READ_MBPS = float(os.environ.get("DANGAN_ACCESSION_MIN_READ_MBPS", 1))
ACCESSION_WORKERS = int(os.environ.get("DANGAN_ACCESSION_WORKERS", 2))
ACCESSION_BATCH = int(os.environ.get("DANGAN_ACCESSION_BATCH", 200))
# The acceptance (入库) of a transfer is made by a second person: not the one who registered it, ran its check or
# signed one of its manual items (docs/development/accession.md).
ACCESSION_SECOND_ACCEPTOR = _env_bool("DANGAN_ACCESSION_SECOND_ACCEPTOR", False)
REPORT_FONT = os.environ.get("DANGAN_REPORT_FONT", "")
# The address phones reach, for the QR codes on the stacks' labels (conservation.labels); blank: the request's host.
LABEL_BASE_URL = os.environ.get("DANGAN_LABEL_BASE_URL", "").strip()

# Digitization batches (docs/development/digitization.md): where staged page images lie until preserved, the share
# of pages a person inspects by hand, the share of those that must pass, and whether `dangan digitize import` leaves
# the batch for a manual inspection instead of preserving the units that pass at once.
DIGITIZATION_ROOT = Path(os.environ.get("DANGAN_DIGITIZATION_ROOT", str(DANGAN_HOME / "digitization"))).resolve()
DIGITIZATION_SAMPLE_PERCENT = float(os.environ.get("DANGAN_DIGITIZATION_SAMPLE_PERCENT", 5))
DIGITIZATION_ACCEPT_PERCENT = float(os.environ.get("DANGAN_DIGITIZATION_ACCEPT_PERCENT", 95))
DIGITIZATION_CLI_INSPECTION = _env_bool("DANGAN_DIGITIZATION_CLI_INSPECTION", False)

# Compilation (part volumes): where the finished exports of compilations (PDF, EPUB, DOCX) are kept for download, and
# the longest side in pixels of the page images printed in them (derived from the masters, JPEG).
COMPILATION_EXPORT_ROOT = Path(
    os.environ.get("DANGAN_COMPILATION_EXPORT_ROOT", str(DANGAN_HOME / "compilation" / "exports"))
).resolve()
COMPILATION_IMAGE_PIXELS = int(os.environ.get("DANGAN_COMPILATION_IMAGE_PIXELS", 2400))
DIGITIZATION_WORKERS = int(os.environ.get("DANGAN_DIGITIZATION_WORKERS", 0))  # 0: one per CPU, at most 4
# An import of at least this many pages checks them on processes (every core), a smaller one on threads.
DIGITIZATION_PROCESS_MIN_PAGES = int(os.environ.get("DANGAN_DIGITIZATION_PROCESS_MIN_PAGES", 24))

# 利用 (docs/development/access.md): how long an approved access request's grant lasts unless the reviewer sets
# another expiry, and how many days ahead a reader may book a seat in the reading room.
ACCESS_GRANT_DAYS = int(os.environ.get("DANGAN_ACCESS_GRANT_DAYS", 30))
BOOKING_DAYS_AHEAD = int(os.environ.get("DANGAN_BOOKING_DAYS_AHEAD", 14))
# Copies (复制) for readers: where the watermarked files are kept until delivered, and the most pages per request.
COPIES_ROOT = Path(os.environ.get("DANGAN_COPIES_ROOT", str(DANGAN_HOME / "copies"))).resolve()
COPY_MAX_PAGES = int(os.environ.get("DANGAN_COPY_MAX_PAGES", 200))
# The portal's page cache (access/page_cache.py): how long an anonymous visitor's search or unit page is kept, and
# how many megabytes of pages each server process keeps. Visibility is checked on every request; 0 turns it off.
PORTAL_CACHE_SECONDS = int(os.environ.get("DANGAN_PORTAL_CACHE_SECONDS", 300))
PORTAL_CACHE_MB = int(os.environ.get("DANGAN_PORTAL_CACHE_MB", 64))
# The openness review (开放审核): records fall due this many years after their creation (Archives Law 2020, art. 27).
OPENNESS_AGE_YEARS = int(os.environ.get("DANGAN_OPENNESS_AGE_YEARS", 25))

# OAI-PMH 2.0 at /oai (outreach, part oai; docs/operations.md "OAI-PMH"): records per page, how long a resumption
# token is good for, the address in Identify's adminEmail, and the repository's part of every identifier
# (oai:<repository>:unit/<uuid>; blank: the institution's code in lower case).
OAI_PAGE_SIZE = int(os.environ.get("DANGAN_OAI_PAGE_SIZE", 500))
OAI_TOKEN_HOURS = float(os.environ.get("DANGAN_OAI_TOKEN_HOURS", 24))
OAI_ADMIN_EMAIL = os.environ.get("DANGAN_OAI_ADMIN_EMAIL", "").strip()
OAI_REPOSITORY = os.environ.get("DANGAN_OAI_REPOSITORY", "").strip()

# 结对异质异地备份 (docs/development/replication.md, docs/operations.md "异地备份 Replication"): this node's keys
# (its signing key pair and the master key that encrypts everything that leaves it) and its work areas; what it
# keeps for partners, apart from its own holdings; how keys, ciphers and audits are chosen.
REPLICATION_HOME = Path(os.environ.get("DANGAN_REPLICATION_HOME", str(DANGAN_HOME / "replication"))).resolve()
REPLICATION_KEEPING_ROOT = Path(
    os.environ.get("DANGAN_REPLICATION_KEEPING_ROOT", str(DANGAN_HOME / "keeping"))
).resolve()
REPLICATION_NODE_NAME = os.environ.get("DANGAN_REPLICATION_NODE_NAME", "")  # default: the institution's code
REPLICATION_SIGNATURE = os.environ.get("DANGAN_REPLICATION_SIGNATURE", "sm2")  # sm2 | ed25519, for a new identity
REPLICATION_CIPHER = os.environ.get("DANGAN_REPLICATION_CIPHER", "sm4-gcm")  # sm4-gcm | aes-256-gcm, new targets
REPLICATION_ALLOW_HTTP = _env_bool("DANGAN_REPLICATION_ALLOW_HTTP", False)  # plain HTTP beyond loopback
REPLICATION_AUDIT_CYCLE_DAYS = int(os.environ.get("DANGAN_REPLICATION_AUDIT_CYCLE_DAYS", 90))
REPLICATION_AUDITS_PER_CYCLE = int(os.environ.get("DANGAN_REPLICATION_AUDITS_PER_CYCLE", 3))  # each covers a slice
# Every this many minutes the scheduler queues `dangan replicate`'s work (new versions go out, a target that was down
# catches up); 0: only when asked (CLI, workspace).
REPLICATION_EVERY_MINUTES = int(os.environ.get("DANGAN_REPLICATION_EVERY_MINUTES", 60))
REPLICATION_DRILL_ROOT = os.environ.get("DANGAN_REPLICATION_DRILL_ROOT", str(DANGAN_HOME / "drills"))

# 宣传与开发利用 · 微信公众号推送 (outreach part wechat; docs/operations.md "微信公众号推送 WeChat"): the official
# account's credentials (unset: pushing is refused), the API's base URL (a local server in the tests), the author
# printed on the article (≤ 16 characters; blank: the story's own) and the base URL of "阅读原文" (the portal).
WECHAT_APP_ID = os.environ.get("DANGAN_WECHAT_APP_ID", "").strip()
WECHAT_APP_SECRET = os.environ.get("DANGAN_WECHAT_APP_SECRET", "").strip()
WECHAT_API_BASE = os.environ.get("DANGAN_WECHAT_API_BASE", "https://api.weixin.qq.com").strip().rstrip("/")
WECHAT_AUTHOR = os.environ.get("DANGAN_WECHAT_AUTHOR", "").strip()
WECHAT_SOURCE_URL_BASE = os.environ.get("DANGAN_WECHAT_SOURCE_URL_BASE", "").strip().rstrip("/")
WECHAT_TIMEOUT = float(os.environ.get("DANGAN_WECHAT_TIMEOUT", 20))  # seconds per request
WECHAT_RETRIES = int(os.environ.get("DANGAN_WECHAT_RETRIES", 3))  # network errors: tries after the first, backoff
WECHAT_POLL_SECONDS = int(os.environ.get("DANGAN_WECHAT_POLL_SECONDS", 60))  # publishing status polls, at least

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DANGAN_LOG_LEVEL", "WARNING")},
    "loggers": {"dangan": {"level": os.environ.get("DANGAN_LOG_LEVEL", "INFO"), "propagate": True}},
}
