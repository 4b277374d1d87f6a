"""Fixtures of the preservation app's tests: a storage root of its own per test, units, and real source files."""

from __future__ import annotations

import io
import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from tests.conftest import S3_BUCKET

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TEXT = "遵义会议纪要（抄件）\n".encode()


def jpeg_bytes(seed: int = 0) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (32, 24), (seed % 256, 80, 120))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    """The storage root the actions write to, fresh for the test (no fsync: atomic against kills all the same)."""
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    return storage_root()


@pytest.fixture
def make_unit(fonds: Any, categories: Any) -> Callable[..., Any]:
    from dangan.catalog.actions.units import do_create_unit

    counter = itertools.count(1)

    def make(title: str = "", **extra: Any) -> Any:
        n = next(counter)
        data = {
            "title": title or f"关于开展脱贫攻坚工作的通知（{n}）",
            "category": categories["WS"],
            "year": 2011,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "贵州省扶贫开发办公室",
            "page_count": 3,
        }
        data.update(extra)
        return do_create_unit(CONSOLE, fonds, data, subjects=["扶贫", "通知"])

    return make


@pytest.fixture
def source_files(tmp_path: Path) -> Callable[[dict[str, bytes]], list[Path]]:
    """source_files({"a.pdf": b"…"}) → the paths of those files, written in a fresh directory."""
    counter = itertools.count(1)

    def make(contents: dict[str, bytes]) -> list[Path]:
        base = tmp_path / f"sources-{next(counter)}"
        paths = []
        for name, data in contents.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            paths.append(path)
        return paths

    return make


# ---------------------------------------------------------------- running `dangan` in a real child process


def child_env(storage_dir: Path, crash_at: str | None = None) -> dict[str, str]:
    """The environment of a `dangan` child that uses the test database and storage root."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.pop("DANGAN_OCFL_CRASH_AT", None)
    env.update(
        DJANGO_SETTINGS_MODULE="dangan.settings",
        DANGAN_DATABASE_URL=url,
        DANGAN_STORAGE_ROOT=str(storage_dir),
        DANGAN_STORAGE_DURABLE="0",
        DANGAN_TASKS="immediate",
        DANGAN_LOG_LEVEL="ERROR",
    )
    if crash_at:
        env["DANGAN_OCFL_CRASH_AT"] = crash_at
    return env


def run_dangan(
    args: list[str], storage_dir: Path, *, crash_at: str | None = None, delay: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `dangan ARGS` in a child process; with crash_at it kills itself there, with delay it is killed after
    that many seconds (SIGKILL). returncode -9 when killed."""
    command = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())", *args]
    process = subprocess.Popen(
        command,
        env=child_env(storage_dir, crash_at),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if delay is not None:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


# ---------------------------------------------------------------- a real S3 store (SeaweedFS) on loopback

# The session's SeaweedFS server (fixture `seaweed`) is in tests/conftest.py, for every app's tests.


@pytest.fixture
def s3_backend(seaweed: Any) -> Any:
    """An S3 storage backend on the test bucket, under a key prefix of its own for this test."""
    import uuid

    from dangan.preservation.storage import S3Backend

    return S3Backend(seaweed.client(), S3_BUCKET, f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def s3_storage(settings: Any, seaweed: Any) -> Any:
    """The storage root the actions write to, on the S3 store (DANGAN_STORAGE_URL=s3://dangan-test/<prefix>)."""
    import uuid

    from dangan.preservation.store import storage_root

    settings.STORAGE_URL = f"s3://{S3_BUCKET}/app-{uuid.uuid4().hex[:12]}"
    settings.S3_ENDPOINT = seaweed.endpoint
    settings.S3_ACCESS_KEY_ID = seaweed.access_key
    settings.S3_SECRET_ACCESS_KEY = seaweed.secret_key
    settings.STORAGE_DURABLE = False
    return storage_root()
