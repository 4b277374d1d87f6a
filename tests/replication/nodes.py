"""Real dangan nodes on loopback, for tests of anything that talks the node protocol: each node is its own
``DANGAN_HOME`` (``dangan init``: database, audit key, node identity and master key) served by ``dangan serve`` in a
subprocess on a port of its own. ``start_nodes`` starts N of them and pairs every two (a ``Partner`` row with the
other's pinned key and a ``Target`` of kind partner, in each one's database); ``Node.kill`` / ``Node.start``
simulate a crash and a restart; ``Node.shell`` runs Python in a node's Django (``dangan manage shell -c``).

    with start_nodes(tmp_path, 2) as (owner, keeper):
        store = owner.store_for(keeper)  # in this process, acting as the owner (its key, its pinned partner)

Usage in tests: see tests/replication/test_protocol.py (a module-scoped fixture, since starting a node takes a few
seconds).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dangan

SRC = Path(dangan.__file__).resolve().parent.parent
DANGAN = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())"]
STARTUP_SECONDS = 120  # a deadline for a node to answer, not a measurement


_template: Path | None = None


def template_home() -> Path:
    """A home initialised once per test session (``dangan init``: the migrated database, the audit key), copied
    into every new node without its node keys, so that a node's ``init`` only makes its own identity and master key
    instead of migrating a fresh database (several seconds, a minute on a loaded machine). Removed at exit."""
    global _template
    if _template is None or not (_template / "dangan.sqlite3").exists():
        root = Path(tempfile.mkdtemp(prefix="dangan-node-template-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        home = root / "home"
        Node("template", home).init_fresh()
        shutil.rmtree(home / "replication", ignore_errors=True)
        _template = home
    return _template


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Node:
    """One dangan node: its home, port and (once started) its server process; ``identity`` is its identity
    document (name, node_id, fingerprint, public_key)."""

    name: str
    home: Path
    port: int = field(default_factory=free_port)
    quota_bytes: int = 64 * 1024 * 1024
    process: subprocess.Popen[bytes] | None = None
    identity: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def replication_home(self) -> Path:
        return self.home / "replication"

    @property
    def keeping_root(self) -> Path:
        return self.home / "keeping"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DANGAN_", "DJANGO_"))}
        env.update(
            DANGAN_HOME=str(self.home),
            DANGAN_REPLICATION_NODE_NAME=self.name,
            DJANGO_SETTINGS_MODULE="dangan.settings",
            PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        return env

    def dangan(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``dangan ARGS`` for this node; AssertionError with its output when it fails."""
        done = subprocess.run([*DANGAN, *args], env=self.env(), capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"dangan {' '.join(args)} ({self.name}): {done.stdout}\n{done.stderr}"
        return done

    def shell(self, code: str) -> str:
        """Run ``code`` in this node's Django (``dangan manage shell -c``); its standard output."""
        return self.dangan("manage", "shell", "-c", code).stdout

    def init(self) -> subprocess.Popen[str]:
        """``dangan init`` this node (running: ``communicate()`` it), on a copy of the session's template home
        renamed to this node's institution code; the node's identity and master key are its own."""
        if not self.home.exists():
            shutil.copytree(template_home(), self.home)
            with contextlib.closing(sqlite3.connect(self.home / "dangan.sqlite3")) as database, database:
                database.execute("UPDATE core_institution SET code = ?", (self.name,))
        return self._run_init()

    def init_fresh(self) -> None:
        """``dangan init`` on an empty home (the template's, or a node that must migrate its own database)."""
        process = self._run_init()
        output, _ = process.communicate()
        assert process.returncode == 0, f"dangan init ({self.name}): {output}"

    def _run_init(self) -> subprocess.Popen[str]:
        self.home.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            [*DANGAN, "init", "--institution-code", self.name],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def start(self) -> None:
        """Serve on ``port`` and wait until it answers ``GET /replication/identity``."""
        log = open(self.home / "serve.log", "ab")  # noqa: SIM115 - handed to the process
        self.process = subprocess.Popen(
            [*DANGAN, "serve", "--port", str(self.port), "--no-worker", "--threads", "4"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"node {self.name} exited: {(self.home / 'serve.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/replication/identity", timeout=5) as answer:
                    self.identity = json.loads(answer.read())
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"node {self.name} did not answer on {self.url}") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """Stop the server at once (SIGKILL: a crash, nothing flushed or closed)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def set_partner_status(self, partner: Node, status: str) -> None:
        """Mark ``partner`` active, suspended or removed in this node's database."""
        self.shell(
            "from dangan.replication.models import Partner; "
            f"Partner.objects.filter(name={partner.name!r}).update(status={status!r})"
        )

    def pair(self, *partners: Node) -> None:
        """Pin every one of ``partners`` in this node's database: a Partner row (its key, fingerprint and the quota
        this node keeps for it) and a Target of kind partner named like it."""
        rows = [
            {
                "name": other.name,
                "url": other.url,
                "node_id": other.identity["node_id"],
                "public_key": other.identity["public_key"],
                "fingerprint": other.identity["fingerprint"],
                "quota_bytes": self.quota_bytes,
            }
            for other in partners
        ]
        self.shell(
            "import json\n"
            "from dangan.replication.models import Partner, Target\n"
            f"for row in json.loads({json.dumps(rows)!r}):\n"
            "    partner, _ = Partner.objects.update_or_create(name=row['name'], defaults=row)\n"
            "    Target.objects.update_or_create(name=row['name'], defaults={'kind': 'partner', 'medium': 'disk',"
            " 'partner': partner})\n"
        )

    def as_partner(self, *, public_key: str | None = None) -> Any:
        """This node as another node pins it: an unsaved Partner (for a NodeClient in the test process)."""
        from dangan.replication.models import Partner

        return Partner(
            name=self.name,
            url=self.url,
            node_id=self.identity["node_id"],
            public_key=public_key or self.identity["public_key"],
            fingerprint=self.identity["fingerprint"],
        )


@contextlib.contextmanager
def start_nodes(root: Path, count: int = 2, *, quota_bytes: int = 64 * 1024 * 1024) -> Iterator[list[Node]]:
    """``count`` initialised, running nodes under ``root``, every two paired; stopped at the end."""
    nodes = [Node(f"node{i}", root / f"node{i}", quota_bytes=quota_bytes) for i in range(count)]
    try:
        initialising = [node.init() for node in nodes]  # at once: migrating a fresh database takes a while
        for node, process in zip(nodes, initialising, strict=True):
            output, _ = process.communicate()
            assert process.returncode == 0, f"dangan init ({node.name}): {output}"
        for node in nodes:
            node.start()
        for node in nodes:
            node.pair(*[other for other in nodes if other is not node])
        yield nodes
    finally:
        for node in nodes:
            node.stop()
