"""Helpers shared by the tests: accounts and signed-in test clients for every role (``account``, ``client_for``), and
HTTP to a live server with the standard library only (``call``, ``multipart``)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from django.db import connections
from django.test import Client

from dangan.core.choices import Role, SecurityClassification

PASSWORD = "correct-horse-battery"


def account(role: str, clearance: str = SecurityClassification.PUBLIC, *, username: str | None = None) -> Any:
    """An active account of ``role`` with ``clearance`` and the password ``PASSWORD``: the same one for the same
    arguments within a test. The default name says what it is (``archivist-secret``)."""
    from dangan.core.models import User

    if role not in Role.values or clearance not in SecurityClassification.values:
        raise ValueError(f"no such role or clearance: {role!r}, {clearance!r}")
    user, created = User.objects.get_or_create(
        username=username or f"{role.replace('_', '-')}-{clearance.replace('_', '-')}",
        defaults={"role": role, "clearance": clearance},
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    elif (user.role, user.clearance) != (role, clearance):
        raise ValueError(f"{user.username} exists with another role or clearance")
    return user


def client_for(who: Any, clearance: str = SecurityClassification.PUBLIC) -> Client:
    """A Django test client signed in as ``who``: a user, or a role (``Role.ARCHIVIST``, "security_admin" …), for
    which an account with ``clearance`` is made (``account``). ``None`` gives an anonymous client."""
    client = Client()
    if who is None:
        return client
    client.force_login(account(who, clearance) if isinstance(who, str) else who)
    return client


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def call(
    method: str,
    url: str,
    *,
    token: str | None = None,
    json_body: Any = None,
    data: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 30,
) -> Response:
    """Send one request; any status (2xx, 4xx, 5xx) comes back as a Response instead of raising."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    if content_type:
        headers["Content-Type"] = content_type
    request = Request(url, data=data, method=method.upper(), headers=headers)
    try:
        with urlopen(request, timeout=timeout) as response:
            return Response(response.status, response.read(), dict(response.headers))
    except HTTPError as exc:
        with exc:
            return Response(exc.code, exc.read(), dict(exc.headers))


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """Encode form ``fields`` and ``files`` ({name: (filename, content, content type)}) as multipart/form-data."""
    boundary = f"----dangan-test-{uuid.uuid4().hex}"
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, content, ctype) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def run_together(jobs: list[Callable[[], Any]], *, raise_first: bool = False) -> list[Any]:
    """Run ``jobs`` in threads released at the same moment (a race on purpose). Each result is the job's value or,
    unless ``raise_first`` (then the first error is raised), the exception it raised. Each thread closes its own
    database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # the outcome under test
            results[index] = exc
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if raise_first and errors:
        raise errors[0]
    return results
