"""A small client for S3-compatible object stores (AWS Signature V4, path-style addressing, http or https) on
urllib3: objects, ranges, listing, server-side copy, multipart upload, conditional writes. Used by the S3 storage
backend and, on its own, by replication targets."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

__all__ = [
    "MULTIPART_THRESHOLD",
    "PART_SIZE",
    "ListPage",
    "ObjectInfo",
    "S3Client",
    "S3Config",
    "S3ConnectionError",
    "S3Error",
    "S3ObjectReader",
    "S3ObjectWriter",
    "parse_time",
]

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Objects up to this size are sent in one PUT; larger ones as a multipart upload of PART_SIZE parts.
MULTIPART_THRESHOLD = 16 * 1024 * 1024
PART_SIZE = 16 * 1024 * 1024
# CopyObject copies at most 5 GiB in one request; larger objects are copied part by part (UploadPartCopy).
COPY_LIMIT = 5 * 1024**3
COPY_PART_SIZE = 512 * 1024 * 1024
_UNRESERVED = "-_.~"


class S3Error(OSError):
    """The store refused a request: HTTP status, the store's error code (NoSuchKey, AccessDenied, …) and message."""

    def __init__(self, status: int, code: str, message: str, resource: str = "", request_id: str = "") -> None:
        super().__init__(f"S3 {code or status}: {message or 'no message'}" + (f" ({resource})" if resource else ""))
        self.status = status
        self.code = code
        self.message = message
        self.resource = resource
        self.request_id = request_id
        self.retried = False  # the answer came to a repeated request (an earlier try may have gone through)


class S3ConnectionError(S3Error):
    """The store could not be reached (or the connection broke) even after the retries."""

    def __init__(self, message: str, resource: str = "") -> None:
        super().__init__(0, "ConnectionError", message, resource)


@dataclass(frozen=True)
class S3Config:
    """Where the store is and who we are. endpoint: 'http://host:port' or 'https://host' (path-style addressing)."""

    endpoint: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"
    # Requests that may be repeated (every one but completing a multipart upload) are retried this many more times
    # on a connection error, a timeout, a 500 or a 503, after backoff * 2**n seconds (at most max_backoff; jitter).
    retries: int = 4
    backoff: float = 0.25
    max_backoff: float = 8.0
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    ca_file: str | None = None  # https: a CA bundle of the site's own (otherwise the system's)
    max_connections: int = 16
    multipart_threshold: int = MULTIPART_THRESHOLD
    part_size: int = PART_SIZE
    copy_limit: int = COPY_LIMIT

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"S3 endpoint must be http://host[:port] or https://host[:port], not {self.endpoint!r}")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError(f"S3 endpoint must not have a path (path-style addressing): {self.endpoint!r}")
        if self.part_size < 5 * 1024 * 1024 or self.multipart_threshold < self.part_size:
            raise ValueError("S3 parts must be at least 5 MiB, and the multipart threshold at least one part")


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """An object's key and size, with its ETag and last change where the store says them; ``server_time`` is the
    store's clock when it answered (the Date header of a HEAD)."""

    key: str
    size: int
    etag: str = ""
    last_modified: datetime | None = None
    server_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListPage:
    objects: list[ObjectInfo]
    prefixes: list[str]  # common prefixes (with a delimiter)
    next_token: str | None


def _quote(value: str, safe: str = "") -> str:
    return quote(value, safe=_UNRESERVED + safe)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def parse_time(text: str | None) -> datetime | None:
    """An HTTP date or an ISO 8601 time as an aware UTC datetime (None if absent or unreadable)."""
    if not text:
        return None
    try:
        if "," in text:
            return parsedate_to_datetime(text).astimezone(UTC)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _text(element: ET.Element | None, name: str) -> str:
    if element is None:
        return ""
    found = element.find(S3_NS + name)
    if found is None:
        found = element.find(name)
    return (found.text or "") if found is not None else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(S3_NS + name) or element.findall(name)


class S3Client:
    """One bucket-independent connection to a store; thread-safe (a pool of connections)."""

    def __init__(self, config: S3Config) -> None:
        self.config = config
        parts = urlsplit(config.endpoint)
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        default_port = 443 if parts.scheme == "https" else 80
        self._port = parts.port or default_port
        self._host_header = self._host if self._port == default_port else f"{self._host}:{self._port}"
        if ":" in self._host and not self._host.startswith("["):
            self._host_header = f"[{self._host}]" + ("" if self._port == default_port else f":{self._port}")
        timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
        pool_args: dict[str, Any] = {"maxsize": config.max_connections, "timeout": timeout, "retries": False}
        if parts.scheme == "https":
            pool_args["cert_reqs"] = "CERT_REQUIRED"
            if config.ca_file:
                pool_args["ca_certs"] = config.ca_file
            self._pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(self._host, self._port, **pool_args)
        else:
            self._pool = urllib3.HTTPConnectionPool(self._host, self._port, **pool_args)
        self._key_cache: tuple[str, bytes] | None = None
        self._key_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Client({self.config.endpoint!r})"

    def close(self) -> None:
        self._pool.close()

    # -- signing and sending --------------------------------------------------------------------------------------

    def _signing_key(self, day: str) -> bytes:
        with self._key_lock:
            if self._key_cache is None or self._key_cache[0] != day:
                key = _hmac(("AWS4" + self.config.secret_access_key).encode(), day)
                key = _hmac(_hmac(_hmac(key, self.config.region), "s3"), "aws4_request")
                self._key_cache = (day, key)
            return self._key_cache[1]

    def _sign(
        self, method: str, path: str, query: Sequence[tuple[str, str]], headers: dict[str, str], payload_hash: str
    ) -> None:
        now = datetime.now(UTC)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        day = stamp[:8]
        headers["host"] = self._host_header
        headers["x-amz-date"] = stamp
        headers["x-amz-content-sha256"] = payload_hash
        signed = sorted(k.lower() for k in headers)
        canonical_headers = "".join(f"{k}:{' '.join(str(headers[k]).split())}\n" for k in signed)
        canonical_query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(query))
        canonical = "\n".join([method, path, canonical_query, canonical_headers, ";".join(signed), payload_hash])
        scope = f"{day}/{self.config.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(self._signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.config.access_key_id}/{scope}, "
            f"SignedHeaders={';'.join(signed)}, Signature={signature}"
        )

    @staticmethod
    def object_path(bucket: str, key: str = "") -> str:
        return "/" + _quote(bucket) + ("/" + _quote(key, "/") if key else "")

    def request(
        self,
        method: str,
        bucket: str,
        key: str = "",
        *,
        query: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: bytes | memoryview = b"",
        stream: bool = False,
        ok: Sequence[int] = (200, 204, 206),
        retry: bool = True,
    ) -> urllib3.BaseHTTPResponse:
        """Send one signed request; retried on connection errors, 500 and 503 when retry (the request must be
        idempotent). Raises S3Error for any status not in ok; S3ConnectionError when the store cannot be reached."""
        path = self.object_path(bucket, key)
        payload = bytes(body) if isinstance(body, memoryview) else body
        payload_hash = hashlib.sha256(payload).hexdigest() if payload else EMPTY_SHA256
        resource = f"{bucket}/{key}" if key else bucket
        url = path + ("?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in query) if query else "")
        attempts = (self.config.retries if retry else 0) + 1
        last_error: Exception | None = None
        for attempt in range(attempts):
            if attempt:
                delay = min(self.config.backoff * (2 ** (attempt - 1)), self.config.max_backoff)
                time.sleep(delay * (0.5 + random.random()))
            send = {k.lower(): v for k, v in (headers or {}).items()}
            if payload or method in ("PUT", "POST"):
                send["content-length"] = str(len(payload))
            self._sign(method, path, query, send, payload_hash)
            try:
                response = self._pool.urlopen(
                    method,
                    url,
                    body=payload if payload or method in ("PUT", "POST") else None,
                    headers=send,
                    preload_content=not stream,
                    decode_content=False,
                    redirect=False,
                    assert_same_host=False,
                )
            except (Urllib3Error, OSError) as exc:
                last_error = exc
                continue
            if response.status in ok:
                return response
            error = self._error(response, resource)
            if retry and response.status in (500, 503) and attempt + 1 < attempts:
                last_error = error
                continue
            error.retried = attempt > 0
            raise error
        if isinstance(last_error, S3Error):
            raise last_error
        raise S3ConnectionError(f"{self.config.endpoint} cannot be reached: {last_error}", resource) from last_error

    @staticmethod
    def _error(response: urllib3.BaseHTTPResponse, resource: str) -> S3Error:
        try:
            data = response.data  # the body, whether already read (preloaded) or not
        except (Urllib3Error, OSError):
            data = b""
        finally:
            response.release_conn()
        code = message = request_id = ""
        if data:
            try:
                root = ET.fromstring(data)
                code, message, request_id = _text(root, "Code"), _text(root, "Message"), _text(root, "RequestId")
            except ET.ParseError:
                message = data[:200].decode(errors="replace")
        if not code:
            code = {403: "AccessDenied", 404: "NotFound", 412: "PreconditionFailed"}.get(response.status, "")
        return S3Error(response.status, code, message or (response.reason or ""), resource, request_id)

    # -- buckets --------------------------------------------------------------------------------------------------

    def head_bucket(self, bucket: str) -> None:
        """Nothing if the bucket exists and we may use it; S3Error (404 NoSuchBucket, 403 …) otherwise."""
        try:
            self.request("HEAD", bucket, ok=(200,))
        except S3Error as exc:
            if exc.status == 404 and not exc.code.startswith("NoSuch"):
                exc.code = "NoSuchBucket"
            raise

    def create_bucket(self, bucket: str) -> None:
        body = b""
        if self.config.region != "us-east-1":
            body = (
                '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<LocationConstraint>{self.config.region}</LocationConstraint></CreateBucketConfiguration>"
            ).encode()
        try:
            self.request("PUT", bucket, body=body, ok=(200,))
        except S3Error as exc:
            if exc.status != 409:
                raise
            self.head_bucket(bucket)  # it exists: fine if it is ours to use

    # -- objects --------------------------------------------------------------------------------------------------

    def head_object(self, bucket: str, key: str) -> ObjectInfo | None:
        """The object's size, ETag and times; None if there is no such object."""
        try:
            response = self.request("HEAD", bucket, key, ok=(200,))
        except S3Error as exc:
            if exc.status == 404 and exc.code in ("NoSuchKey", "NotFound"):
                return None
            raise
        return ObjectInfo(
            key,
            int(response.headers.get("content-length", "0")),
            response.headers.get("etag", ""),
            parse_time(response.headers.get("last-modified")),
            parse_time(response.headers.get("date")),
        )

    def get_object(self, bucket: str, key: str, *, start: int = 0, end: int | None = None) -> bytes:
        """The object's bytes (from start to end inclusive, if given). S3Error NoSuchKey if it does not exist."""
        headers = {}
        if start or end is not None:
            headers["range"] = f"bytes={start}-{'' if end is None else end}"
        return self.request("GET", bucket, key, headers=headers).data

    def open_object(self, bucket: str, key: str) -> S3ObjectReader:
        """A streaming reader (readinto) that resumes with a Range request if the connection breaks."""
        return S3ObjectReader(self, bucket, key)

    def put_object(
        self,
        bucket: str,
        key: str,
        data: bytes | memoryview,
        *,
        if_none_match: bool = False,
        if_match: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> str:
        """Store data as the object (one request) and return its ETag. if_none_match: only if there is no such object
        yet (S3Error PreconditionFailed otherwise); if_match: only if the object has that ETag."""
        headers = {"content-type": content_type}
        if if_none_match:
            headers["if-none-match"] = "*"
        if if_match:
            headers["if-match"] = if_match
        try:
            response = self.request("PUT", bucket, key, headers=headers, body=data, ok=(200,))
        except S3Error as exc:
            if not (if_none_match and exc.status == 412 and exc.retried):
                raise
            # A retry whose first try had gone through (its answer lost) finds its own object: the same bytes.
            info = self.head_object(bucket, key)
            ours = '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'
            if info is None or info.etag != ours or info.size != len(data):
                raise
            return info.etag
        return response.headers.get("etag", "")

    def delete_object(self, bucket: str, key: str, *, if_match: str | None = None) -> None:
        """Delete the object (a missing one is not an error, as in S3)."""
        headers = {"if-match": if_match} if if_match else {}
        self.request("DELETE", bucket, key, headers=headers, ok=(200, 204))

    def delete_objects(self, bucket: str, keys: Sequence[str]) -> None:
        """Delete many objects, 1,000 per request (DeleteObjects); S3Error with the first key the store refused."""
        for i in range(0, len(keys), 1000):
            chunk = keys[i : i + 1000]
            items = "".join(f"<Object><Key>{_xml_escape(k)}</Key></Object>" for k in chunk)
            body = f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>{items}</Delete>'
            data = body.encode()
            md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
            response = self.request(
                "POST", bucket, query=[("delete", "")], headers={"content-md5": md5}, body=data, ok=(200,)
            )
            root = ET.fromstring(response.data or b"<DeleteResult/>")
            errors = _children(root, "Error")
            if errors:
                first = errors[0]
                raise S3Error(200, _text(first, "Code"), _text(first, "Message"), f"{bucket}/{_text(first, 'Key')}")

    def list_page(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        token: str | None = None,
        start_after: str | None = None,
        max_keys: int = 1000,
    ) -> ListPage:
        """One page of ListObjectsV2."""
        query = [("list-type", "2"), ("prefix", prefix), ("max-keys", str(max_keys)), ("encoding-type", "url")]
        if delimiter:
            query.append(("delimiter", delimiter))
        if token:
            query.append(("continuation-token", token))
        if start_after:
            query.append(("start-after", start_after))
        root = ET.fromstring(self.request("GET", bucket, query=query, ok=(200,)).data)
        encoded = _text(root, "EncodingType") == "url"

        def name(value: str) -> str:
            return unquote_plus(value) if encoded else value

        objects = [
            ObjectInfo(
                name(_text(c, "Key")),
                int(_text(c, "Size") or 0),
                _text(c, "ETag"),
                parse_time(_text(c, "LastModified")),
            )
            for c in _children(root, "Contents")
        ]
        prefixes = [name(_text(p, "Prefix")) for p in _children(root, "CommonPrefixes")]
        truncated = _text(root, "IsTruncated") == "true"
        next_token = _text(root, "NextContinuationToken") or None
        if truncated and next_token is None:
            raise S3Error(200, "InvalidResponse", "a truncated listing without a continuation token", bucket)
        return ListPage(objects, prefixes, next_token if truncated else None)

    def list_objects(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        page_size: int = 1000,
    ) -> Iterator[ObjectInfo | str]:
        """Every object (ObjectInfo) and, with a delimiter, every common prefix (str) under prefix, page by page."""
        token: str | None = None
        while True:
            page = self.list_page(
                bucket, prefix, delimiter=delimiter, token=token, start_after=start_after, max_keys=page_size
            )
            yield from page.objects
            yield from page.prefixes
            if page.next_token is None:
                return
            token = page.next_token

    def copy_object(self, bucket: str, src_key: str, dst_key: str, *, size: int | None = None) -> None:
        """Server-side copy of an object within the bucket (part by part above 5 GiB)."""
        if size is None:
            info = self.head_object(bucket, src_key)
            if info is None:
                raise S3Error(404, "NoSuchKey", "the source of a copy does not exist", f"{bucket}/{src_key}")
            size = info.size
        source = self.object_path(bucket, src_key)
        if size > self.config.copy_limit:
            self._copy_multipart(bucket, source, dst_key, size)
            return
        response = self.request("PUT", bucket, dst_key, headers={"x-amz-copy-source": source}, ok=(200,))
        self._check_embedded_error(response.data, f"{bucket}/{dst_key}")

    def _copy_multipart(self, bucket: str, source: str, dst_key: str, size: int) -> None:
        upload = self.create_multipart_upload(bucket, dst_key)
        try:
            etags = []
            step = min(COPY_PART_SIZE, self.config.copy_limit)
            for number, start in enumerate(range(0, size, step), 1):
                end = min(start + step, size) - 1
                headers = {"x-amz-copy-source": source, "x-amz-copy-source-range": f"bytes={start}-{end}"}
                query = [("partNumber", str(number)), ("uploadId", upload)]
                response = self.request("PUT", bucket, dst_key, query=query, headers=headers, ok=(200,))
                self._check_embedded_error(response.data, f"{bucket}/{dst_key}")
                etags.append(_text(ET.fromstring(response.data), "ETag"))
            self.complete_multipart_upload(bucket, dst_key, upload, etags)
        except BaseException:
            self.abort_multipart_upload(bucket, dst_key, upload)
            raise

    @staticmethod
    def _check_embedded_error(data: bytes, resource: str) -> None:
        # CopyObject and CompleteMultipartUpload may answer 200 and put the error in the body.
        if data and b"<Error>" in data[:200]:
            root = ET.fromstring(data)
            raise S3Error(200, _text(root, "Code"), _text(root, "Message"), resource, _text(root, "RequestId"))

    # -- multipart upload -----------------------------------------------------------------------------------------

    def create_multipart_upload(self, bucket: str, key: str) -> str:
        response = self.request("POST", bucket, key, query=[("uploads", "")], ok=(200,))
        upload_id = _text(ET.fromstring(response.data), "UploadId")
        if not upload_id:
            raise S3Error(200, "InvalidResponse", "no UploadId in the answer", f"{bucket}/{key}")
        return upload_id

    def upload_part(self, bucket: str, key: str, upload_id: str, number: int, data: bytes | memoryview) -> str:
        query = [("partNumber", str(number)), ("uploadId", upload_id)]
        return self.request("PUT", bucket, key, query=query, body=data, ok=(200,)).headers.get("etag", "")

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, etags: Sequence[str], *, if_none_match: bool = False
    ) -> str:
        parts = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in enumerate(etags, 1))
        body = f'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{parts}</CompleteMultipartUpload>'
        headers = {"if-none-match": "*"} if if_none_match else {}
        response = self.request(
            "POST",
            bucket,
            key,
            query=[("uploadId", upload_id)],
            headers=headers,
            body=body.encode(),
            ok=(200,),
            retry=False,
        )
        self._check_embedded_error(response.data, f"{bucket}/{key}")
        return _text(ET.fromstring(response.data), "ETag")

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Abort an upload (its parts are freed); errors are swallowed: the store expires stale uploads itself."""
        with contextlib.suppress(S3Error):
            self.request("DELETE", bucket, key, query=[("uploadId", upload_id)], ok=(200, 204, 404))

    def open_writer(self, bucket: str, key: str, *, if_none_match: bool = False) -> S3ObjectWriter:
        """A streaming writer: one PUT when closed if the object stays under the multipart threshold, else a
        multipart upload (parts sent as they fill). Nothing is visible before close(); leaving a with-block on an
        exception abandons the upload."""
        return S3ObjectWriter(self, bucket, key, if_none_match=if_none_match)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class S3ObjectReader(io.RawIOBase):
    """Streams an object's bytes; when the connection breaks mid-way it resumes from where it was with a Range GET
    (up to the client's retries), checking the ETag so a replaced object is never spliced in."""

    def __init__(self, client: S3Client, bucket: str, key: str) -> None:
        super().__init__()
        self._client = client
        self._bucket = bucket
        self._key = key
        self._position = 0
        self._etag = ""
        self._response: urllib3.BaseHTTPResponse | None = None
        self._open()

    def _open(self) -> None:
        headers = {}
        if self._position:
            headers["range"] = f"bytes={self._position}-"
            if self._etag:
                headers["if-match"] = self._etag
        response = self._client.request("GET", self._bucket, self._key, headers=headers, stream=True)
        if self._position and response.status != 206:
            response.release_conn()
            raise S3Error(response.status, "InvalidRange", "the store ignored the range of a resumed read", self._key)
        self._etag = self._etag or response.headers.get("etag", "")
        self.size = int(response.headers.get("content-length", "0")) + self._position
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not view.nbytes or self._position >= self.size:
            return 0
        for attempt in range(self._client.config.retries + 1):
            if self._response is None:
                self._open()
            assert self._response is not None
            try:
                n = self._response.readinto(view)
            except (Urllib3Error, OSError) as exc:
                self._drop()
                if attempt == self._client.config.retries:
                    raise S3ConnectionError(f"reading {self._key} broke off: {exc}", self._key) from exc
                continue
            if n == 0 and self._position < self.size:
                self._drop()  # the connection ended early: resume
                if attempt == self._client.config.retries:
                    raise S3ConnectionError(f"reading {self._key} ended early", self._key)
                continue
            self._position += n
            return n
        return 0

    def _drop(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response.release_conn()
            self._response = None

    def close(self) -> None:
        if self._response is not None:
            # A half-read body cannot go back to the pool: close the connection instead of reading it to the end.
            if self._position < self.size:
                self._response.close()
            self._response.release_conn()
            self._response = None
        super().close()


class S3ObjectWriter(io.RawIOBase):
    """Collects written bytes in one part-sized buffer; parts above the threshold go out as a multipart upload."""

    def __init__(self, client: S3Client, bucket: str, key: str, *, if_none_match: bool = False) -> None:
        super().__init__()
        self._client = client
        self._bucket = bucket
        self._key = key
        self._if_none_match = if_none_match
        self._buffer = bytearray()
        self._upload: str | None = None
        self._etags: list[str] = []
        self._failed = False
        self.etag = ""
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed S3 object writer")
        view = memoryview(data).cast("B")
        self._buffer += view
        self.size += view.nbytes
        part = self._client.config.part_size
        if len(self._buffer) >= self._client.config.multipart_threshold:
            if self._upload is None:
                self._upload = self._client.create_multipart_upload(self._bucket, self._key)
            while len(self._buffer) >= part:
                self._send_part(memoryview(self._buffer)[:part])
                del self._buffer[:part]
        return view.nbytes

    def _send_part(self, data: memoryview) -> None:
        assert self._upload is not None
        try:
            self._etags.append(
                self._client.upload_part(self._bucket, self._key, self._upload, len(self._etags) + 1, data)
            )
        except BaseException:
            self._failed = True
            raise

    def abort(self) -> None:
        """Give up: nothing becomes visible, the parts sent so far are freed."""
        if self._upload is not None:
            self._client.abort_multipart_upload(self._bucket, self._key, self._upload)
            self._upload = None
        self._buffer.clear()
        self._failed = True
        super().close()

    def close(self) -> None:
        if self.closed:
            return
        if self._failed:
            self.abort()
            return
        try:
            if self._upload is None:
                self.etag = self._client.put_object(
                    self._bucket, self._key, bytes(self._buffer), if_none_match=self._if_none_match
                )
            else:
                if self._buffer or not self._etags:
                    self._send_part(memoryview(self._buffer))
                self.etag = self._client.complete_multipart_upload(
                    self._bucket, self._key, self._upload, self._etags, if_none_match=self._if_none_match
                )
                self._upload = None
        except BaseException:
            self.abort()
            raise
        self._buffer = bytearray()
        super().close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()
