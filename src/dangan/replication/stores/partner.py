"""A partner node as a replication target: the TargetStore interface over the signed node protocol
(protocol.client.NodeClient). The partner keeps the envelopes in its keeping area, confirms each with a signed
receipt and answers proofs itself, sending back only the digests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.utils.translation import gettext as _

from dangan.replication.crypto.errors import ProofError
from dangan.replication.crypto.proofs import CopyAnswer, CopyChallenge
from dangan.replication.models import Partner, Target
from dangan.replication.protocol.client import NodeClient, PartnerRefused

from .base import Pieces, Receipt, StoredObject, StoreError, TargetStore, Usage, check_name

__all__ = ["PartnerStore", "partner_store"]

#: Bytes per PUT (at least; what has gathered when this is reached goes, at most twice this): a resumed upload
#: loses at most this much; well under the server's 50 MiB request limit.
PUT_BYTES = 8 * 1024 * 1024


class PartnerStore(TargetStore):
    #: Envelopes that replication (actions.transfers) may have on their way at once: while one waits for the
    #: keeper (its hashing, writing, fsync, signature), the next ones are sealed. Their rows are still written
    #: in order, one transaction each.
    parallel_puts = 3

    def __init__(self, partner: Partner, *, put_bytes: int = PUT_BYTES, timeout: float = 60.0) -> None:
        self.partner = partner
        self.client = NodeClient(partner, timeout=timeout)
        self.put_bytes = put_bytes

    def describe(self) -> str:
        return self.client.describe()

    def stat(self, name: str) -> StoredObject | None:
        check_name(name)
        for held in self.list(name):
            if held.name == name:
                return held
        return None

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        answer = self.client.call("GET", "envelopes", {"prefix": prefix} if prefix else None)
        try:
            rows = answer.json()
            objects = [StoredObject(str(row["name"]), int(row["size"]), bool(row["complete"])) for row in rows]
        except (ValueError, TypeError, KeyError) as exc:
            raise StoreError(
                _("结对档案馆 %(partner)s 的清单格式不对：%(error)s") % {"partner": self.describe(), "error": exc}
            ) from None
        return iter(sorted(objects, key=lambda held: held.name))

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        check_name(name)
        held = self.stat(name)
        offset = held.size if held is not None else 0
        if held is not None and held.complete:
            if held.size != size:
                raise StoreError(
                    _("结对档案馆 %(partner)s 已有 %(name)s，大小 %(held)s 字节，与本次 %(size)s 字节不同。")
                    % {"partner": self.describe(), "name": name, "held": held.size, "size": size}
                )
            return self._receipt(name, size, offset, b"")
        if offset > size:
            raise StoreError(
                _("结对档案馆 %(partner)s 的 %(name)s 已收 %(held)s 字节，超过应有的 %(size)s 字节，请先删除。")
                % {"partner": self.describe(), "name": name, "held": offset, "size": size}
            )
        if offset == size:  # everything arrived but the completing answer was lost: complete with an empty piece
            return self._receipt(name, size, offset, b"")
        # Pipelined: the next body is sealed (the pieces) while the one before is on its way; the PUTs themselves
        # stay one after another, each at the offset the keeper confirmed, so a failure leaves a resumable prefix.
        with ThreadPoolExecutor(1, thread_name_prefix="dangan-put") as sending:
            in_flight: Future[int] | None = None
            parts: list[bytes] = []
            held_bytes = 0
            for piece in pieces(offset):
                parts.append(piece)
                held_bytes += len(piece)
                while held_bytes >= self.put_bytes and offset + held_bytes < size:
                    body = parts[0] if len(parts) == 1 else b"".join(parts)
                    rest = b""
                    if len(body) > 2 * self.put_bytes:  # a piece far larger than a PUT (a huge chunk size)
                        body, rest = body[: self.put_bytes], body[self.put_bytes :]
                    parts, held_bytes = ([rest] if rest else []), len(rest)
                    if in_flight is not None:
                        offset = in_flight.result()
                    in_flight = sending.submit(self._send, name, size, offset, body)
                    offset += len(body)  # where this body ends, if the keeper takes it
            if in_flight is not None:
                offset = in_flight.result()
        return self._receipt(name, size, offset, b"".join(parts))

    def _send(self, name: str, size: int, offset: int, body: bytes) -> int:
        answer = self.client.call("PUT", f"envelopes/{name}", {"offset": offset, "size": size}, body)
        held = int(answer.json()["size"])
        if held != offset + len(body):
            raise StoreError(
                _("结对档案馆 %(partner)s 收到 %(name)s 后应有 %(want)s 字节，实有 %(held)s 字节。")
                % {"partner": self.describe(), "name": name, "want": offset + len(body), "held": held},
                retry=True,
            )
        return held

    def _receipt(self, name: str, size: int, offset: int, body: bytes) -> Receipt:
        answer = self.client.call("PUT", f"envelopes/{name}", {"offset": offset, "size": size}, body)
        data = answer.json()
        if not data.get("complete") or int(data.get("size", -1)) != size:
            raise StoreError(
                _("结对档案馆 %(partner)s 收到 %(name)s 的 %(held)s 字节，应为 %(size)s 字节：数据不完整。")
                % {"partner": self.describe(), "name": name, "held": data.get("size"), "size": size},
                retry=True,
            )
        return Receipt(name, size, str(data["sha256"]), signed=answer.evidence(), signer=self.partner.fingerprint)

    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        check_name(name)
        if length == 0:
            return b""
        headers = {}
        if offset or length is not None:
            headers["Range"] = f"bytes={offset}-" + (str(offset + length - 1) if length is not None else "")
        try:
            answer = self.client.call("GET", f"envelopes/{name}", headers=headers, expect=(200, 206))
        except PartnerRefused as exc:
            if exc.status == 404:
                raise FileNotFoundError(name) from None
            if exc.status == 416:
                return b""
            raise
        return answer.body

    def delete(self, name: str) -> None:
        check_name(name)
        self.client.call("DELETE", f"envelopes/{name}", expect=(204,))

    def usage(self) -> Usage:
        data = self.client.call("GET", "usage").json()
        return Usage(int(data["used"]), int(data["limit"]))

    def prove(self, challenge: CopyChallenge) -> CopyAnswer:
        """The partner computes the answer over what it keeps (POST /replication/proofs); ``last_traffic`` holds
        the bytes of the request body and of the answer's body."""
        body = json.dumps({"challenge": challenge.to_dict()}, separators=(",", ":")).encode("utf-8")
        answer = self.client.call("POST", "proofs", body=body, headers={"Content-Type": "application/json"})
        self.last_traffic: tuple[int, int] = (len(body), len(answer.body))
        data: Any = answer.json()
        try:
            return CopyAnswer.from_dict(data)
        except ProofError as exc:
            raise StoreError(
                _("结对档案馆 %(partner)s 的验证应答无效：%(error)s") % {"partner": self.describe(), "error": exc}
            ) from None


def partner_store(target: Target) -> PartnerStore:
    """The registry's factory for targets of kind ``partner``."""
    if target.partner is None:
        raise StoreError(_("备份目标 %(name)s 没有对应的结对档案馆。") % {"name": target.name})
    return PartnerStore(target.partner)
