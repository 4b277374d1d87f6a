"""A local WeChat official account API for the tests: a real HTTP server (threads, on loopback) speaking the
endpoints the wechat part uses, as WeChat documents them, and refusing what a real account refuses:

- ``POST /cgi-bin/stable_token`` (and ``GET /cgi-bin/token``): a wrong appid 40013, a wrong secret 40125; the same
  token while it lives unless ``force_refresh``; a token lives ``token_lifetime`` seconds (or ``expire_after`` uses,
  to expire one in the middle of a push: then 42001);
- every other call: no token 41001, an unknown or replaced token 40001, an expired one 42001;
- ``POST /cgi-bin/media/uploadimg``: jpg/png only (40005), under 1 MB (40009); answers a mmbiz.qpic.cn URL;
- ``POST /cgi-bin/material/add_material?type=image``: bmp/png/jpeg/gif, ≤ 10 MB (40006); a media_id;
- ``POST /cgi-bin/draft/add``: articles required (44003), title ≤ 32 (45003), author ≤ 16 (45110), digest ≤ 128
  (45004), content required (44004), < 20,000 characters and < 1 MB (45002), thumb_media_id known (40007); images
  in the content that did not come from uploadimg are filtered out (as WeChat does) and counted in ``filtered``;
  ``<script>`` is removed; ``<style>`` and ``class`` are counted in ``unstyled`` (WeChat drops them);
- ``POST /cgi-bin/freepublish/submit``: a known draft's media_id (else 40007) → publish_id;
- ``POST /cgi-bin/freepublish/get``: ``publishing_polls`` answers of publish_status 1, then 0 with article_id and
  article_url (or ``publish_failure`` as the status).

``fail`` makes the next calls of a path fail: ``account.fail["/cgi-bin/draft/add"] = "hangup"`` (the connection is
closed without an answer: a network error; ``"hangup-once"``: the next call only) or an errcode. Every request is recorded in ``calls``.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

APP_ID = "wx0123456789abcdef"
SECRET = "s3cr3t-0123456789abcdef0123456789"
MB = 1024 * 1024


@dataclass
class Account:
    app_id: str = APP_ID
    secret: str = SECRET
    token_lifetime: int = 7200
    expire_after: int | None = None  # uses of a token before it expires (None: only its lifetime)
    publishing_polls: int = 1
    publish_failure: int | None = None
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)  # uploadimg URL → bytes
    materials: dict[str, bytes] = field(default_factory=dict)  # media_id → bytes
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)  # media_id → the article as kept
    publishes: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (path, errcode or "ok")
    fail: dict[str, Any] = field(default_factory=dict)
    filtered: int = 0
    unstyled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str, outcome: str = "ok") -> int:
        return sum(1 for p, o in self.calls if p == path and o == outcome)


def _multipart_file(content_type: str, body: bytes) -> tuple[str, str, bytes] | None:
    """(field name, file name, bytes) of the first file in a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if filename is not None:
            payload = part.get_payload(decode=True)
            return str(name), filename, payload if isinstance(payload, bytes) else b""
    return None


def _kind(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"GIF8"):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    return ""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, path: str, payload: dict[str, Any]) -> None:
        with self.account.lock:
            self.account.calls.append((path, str(payload.get("errcode", "ok")) if payload.get("errcode") else "ok"))
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)  # WeChat answers 200 with an errcode in the body
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    @property
    def account(self) -> Account:
        return self.server.account

    def _error(self, path: str, code: int, message: str) -> None:
        rid = secrets.token_hex(4)
        self._answer(path, {"errcode": code, "errmsg": f"{message} rid: {rid}"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        failure = self.account.fail.get(path)
        if failure == "hangup-once":
            self.account.fail.pop(path, None)
        if failure in ("hangup", "hangup-once"):
            with self.account.lock:
                self.account.calls.append((path, "hangup"))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if isinstance(failure, int):
            self._error(path, failure, "injected failure")
            return
        if path == "/cgi-bin/token" and method == "GET":
            self._token(path, query, force=True)
            return
        if path == "/cgi-bin/stable_token" and method == "POST":
            data = self._json(path, body)
            if data is not None:
                fields = {k: str(data.get(k, "")) for k in ("grant_type", "appid", "secret")}
                self._token(path, fields, force=bool(data.get("force_refresh")))
            return
        routes = {
            "/cgi-bin/media/uploadimg": self._uploadimg,
            "/cgi-bin/material/add_material": self._add_material,
            "/cgi-bin/draft/add": self._draft_add,
            "/cgi-bin/freepublish/submit": self._submit,
            "/cgi-bin/freepublish/get": self._get,
        }
        if path not in routes or method != "POST":
            self.send_error(404)
            return
        if not self._token_ok(path, query.get("access_token", "")):
            return
        routes[path](path, query, body)

    # ------------------------------------------------------------------ the token

    def _token(self, path: str, query: dict[str, str], *, force: bool) -> None:
        """/cgi-bin/token (always a new token) and /cgi-bin/stable_token (the same token while it lives, unless
        force_refresh): a new token makes the old one invalid, as WeChat does."""
        if query.get("grant_type") != "client_credential":
            self._error(path, 40002, "invalid grant_type")
        elif query.get("appid") != self.account.app_id:
            self._error(path, 40013, "invalid appid")
        elif query.get("secret") != self.account.secret:
            self._error(path, 40125, "invalid appsecret")
        else:
            with self.account.lock:
                now, limit = time.time(), self.account.expire_after
                alive = [
                    (token, kept)
                    for token, kept in self.account.tokens.items()
                    if kept["until"] > now and (limit is None or kept["uses"] < limit)
                ]
                if alive and not force:
                    token, kept = alive[0]
                    lifetime = int(kept["until"] - now)
                else:
                    token, lifetime = secrets.token_urlsafe(48), self.account.token_lifetime
                    self.account.tokens.clear()
                    self.account.tokens[token] = {"until": now + lifetime, "uses": 0}
            self._answer(path, {"access_token": token, "expires_in": lifetime})

    def _token_ok(self, path: str, token: str) -> bool:
        if not token:
            self._error(path, 41001, "access_token missing")
            return False
        with self.account.lock:
            kept = self.account.tokens.get(token)
            if kept is not None:
                kept["uses"] += 1
                limit = self.account.expire_after
                expired = time.time() > kept["until"] or (limit is not None and kept["uses"] > limit)
        if kept is None:
            self._error(path, 40001, "invalid credential, access_token is invalid or not latest")
            return False
        if expired:
            self._error(path, 42001, "access_token expired")
            return False
        return True

    # ------------------------------------------------------------------ material

    def _file(self, path: str, body: bytes) -> tuple[str, bytes] | None:
        found = _multipart_file(self.headers.get("Content-Type", ""), body)
        if found is None or found[0] != "media":
            self._error(path, 41005, "media data missing")
            return None
        return found[1], found[2]

    def _uploadimg(self, path: str, query: dict[str, str], body: bytes) -> None:
        found = self._file(path, body)
        if found is None:
            return
        _, data = found
        if _kind(data) not in ("jpeg", "png"):
            self._error(path, 40005, "invalid file type")
        elif len(data) >= MB:
            self._error(path, 40009, "invalid image size")
        else:
            url = f"http://mmbiz.qpic.cn/mmbiz_jpg/{secrets.token_urlsafe(24)}/0"
            with self.account.lock:
                self.account.images[url] = data
            self._answer(path, {"url": url})

    def _add_material(self, path: str, query: dict[str, str], body: bytes) -> None:
        if query.get("type") != "image":
            self._error(path, 40004, "invalid media type")
            return
        found = self._file(path, body)
        if found is None:
            return
        _, data = found
        if _kind(data) not in ("jpeg", "png", "gif", "bmp"):
            self._error(path, 40005, "invalid file type")
        elif len(data) > 10 * MB:
            self._error(path, 40006, "invalid meida size")
        else:
            media_id = secrets.token_urlsafe(32)
            url = f"http://mmbiz.qpic.cn/mmbiz_jpg/{secrets.token_urlsafe(24)}/0?wx_fmt=jpeg"
            with self.account.lock:
                self.account.materials[media_id] = data
            self._answer(path, {"media_id": media_id, "url": url})

    # ------------------------------------------------------------------ drafts and publishing

    def _json(self, path: str, body: bytes) -> dict[str, Any] | None:
        if not body:
            self._error(path, 44002, "empty post data")
            return None
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._error(path, 47001, "data format error")
            return None
        if not isinstance(data, dict):
            self._error(path, 47001, "data format error")
            return None
        return data

    def _draft_add(self, path: str, query: dict[str, str], body: bytes) -> None:
        data = self._json(path, body)
        if data is None:
            return
        articles = data.get("articles")
        if not isinstance(articles, list) or not articles:
            self._error(path, 44003, "empty news data")
            return
        kept = []
        for article in articles:
            title, author = str(article.get("title", "")), str(article.get("author", ""))
            digest, content = str(article.get("digest", "")), str(article.get("content", ""))
            if not title:
                self._error(path, 44003, "empty news data")
                return
            if len(title) > 32:
                self._error(path, 45003, "title size out of limit")
                return
            if len(author) > 16:
                self._error(path, 45110, "author size out of limit")
                return
            if len(digest) > 128:
                self._error(path, 45004, "description size out of limit")
                return
            if not content:
                self._error(path, 44004, "empty content")
                return
            if len(content) >= 20000 or len(content.encode()) >= MB:
                self._error(path, 45002, "content size out of limit")
                return
            if len(str(article.get("content_source_url", "")).encode()) > 1024:
                self._error(path, 45005, "url size out of limit")
                return
            if article.get("thumb_media_id") not in self.account.materials:
                self._error(path, 40007, "invalid media_id")
                return
            kept.append({**article, "content": self._filter(content)})
        media_id = secrets.token_urlsafe(32)
        with self.account.lock:
            self.account.drafts[media_id] = {"articles": kept}
        self._answer(path, {"media_id": media_id})

    def _filter(self, content: str) -> str:
        """What WeChat does to content: scripts removed, images not from uploadimg filtered out; styles sheets and
        classes counted (they would be dropped)."""
        content = re.sub(r"<script\b.*?</script>", "", content, flags=re.S | re.I)
        with self.account.lock:
            self.account.unstyled += len(re.findall(r"<style\b|\sclass=", content, re.I))

        def image(match: re.Match[str]) -> str:
            src = re.search(r'\ssrc="([^"]*)"', match.group(0))
            if src is not None and src.group(1).replace("&amp;", "&") in self.account.images:
                return match.group(0)
            with self.account.lock:
                self.account.filtered += 1
            return ""

        return re.sub(r"<img\b[^>]*>", image, content, flags=re.I)

    def _submit(self, path: str, query: dict[str, str], body: bytes) -> None:
        data = self._json(path, body)
        if data is None:
            return
        media_id = data.get("media_id")
        if media_id not in self.account.drafts:
            self._error(path, 40007, "invalid media_id")
            return
        publish_id = str(2247483000 + len(self.account.publishes) + 1)
        with self.account.lock:
            self.account.publishes[publish_id] = {"media_id": media_id, "polls": 0}
        self._answer(path, {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": 2247483001})

    def _get(self, path: str, query: dict[str, str], body: bytes) -> None:
        data = self._json(path, body)
        if data is None:
            return
        job = self.account.publishes.get(str(data.get("publish_id")))
        if job is None:
            self._error(path, 40007, "invalid publish_id")
            return
        with self.account.lock:
            job["polls"] += 1
            polls = job["polls"]
        if polls <= self.account.publishing_polls:
            self._answer(path, {"publish_id": data["publish_id"], "publish_status": 1})
            return
        if self.account.publish_failure is not None:
            status = self.account.publish_failure
            self._answer(path, {"publish_id": data["publish_id"], "publish_status": status, "fail_idx": [1]})
            return
        article_id = "Ur2Qqb" + secrets.token_hex(8)
        self._answer(
            path,
            {
                "publish_id": data["publish_id"],
                "publish_status": 0,
                "article_id": article_id,
                "article_detail": {
                    "count": 1,
                    "item": [{"idx": 1, "article_url": f"https://mp.weixin.qq.com/s/{article_id}"}],
                },
                "fail_idx": [],
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, account: Account) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.account = account


class WechatServer:
    """``with WechatServer() as server:`` — ``server.base`` is the API's base URL, ``server.account`` its state."""

    def __init__(self, account: Account | None = None) -> None:
        self.account = account or Account()
        self._server = _Server(self.account)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> WechatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


__all__ = ["APP_ID", "SECRET", "Account", "WechatServer"]
