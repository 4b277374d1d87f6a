"""A client of the WeChat official account API (微信公众号接口), as documented by WeChat: the access token
(``POST /cgi-bin/stable_token``, force_refresh only after a refusal), images inside an article (``POST /cgi-bin/media/uploadimg``), the cover as a permanent
image (``POST /cgi-bin/material/add_material?type=image``), drafts (``POST /cgi-bin/draft/add``) and publishing
(``POST /cgi-bin/freepublish/submit``, ``POST /cgi-bin/freepublish/get``).

The base URL is the setting ``WECHAT_API_BASE``. The token is kept in the database (``WechatToken``) and fetched
again shortly before it expires, or once when WeChat answers 40001/42001/40014 (a token another process replaced or
that expired early). Every ``errcode`` other than 0 raises ``WechatError`` with WeChat's ``errmsg`` kept; a network
error (or a 5xx) is retried ``WECHAT_RETRIES`` times with an exponential backoff, then raises ``WechatUnreachable``.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Errors that mean "this token is no good": invalid credential (also a token replaced by a newer one), invalid
# access_token, access_token expired.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
STABLE_TOKEN = "/cgi-bin/stable_token"
# Refresh a kept token this long before WeChat says it expires.
TOKEN_MARGIN = timedelta(minutes=5)

# What WeChat's codes mean, in Chinese, for the messages people read (WeChat's own errmsg is kept beside).
KNOWN_ERRORS: dict[int, str] = {
    -1: "微信系统繁忙",
    40001: "AppSecret 错误或访问令牌无效",
    40005: "文件类型不受支持",
    40006: "文件大小超出限制",
    40007: "素材 media_id 无效",
    40009: "图片大小超出限制",
    40013: "AppID 无效",
    40014: "访问令牌无效",
    40125: "AppSecret 无效",
    40164: "调用接口的 IP 地址不在白名单中",
    41001: "缺少访问令牌",
    41005: "缺少上传的文件",
    42001: "访问令牌已过期",
    44002: "请求内容为空",
    44003: "图文消息为空",
    44004: "正文为空",
    45002: "正文长度超出限制",
    45003: "标题长度超出限制",
    45004: "摘要长度超出限制",
    45110: "作者长度超出限制",
    47001: "数据格式错误",
    48001: "公众号没有该接口的权限",
    53503: "草稿未通过发布检查",
}


class WechatError(Exception):
    """WeChat refused a request: its ``errcode`` and ``errmsg`` as it sent them, and the endpoint."""

    def __init__(self, errcode: int, errmsg: str, endpoint: str) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.endpoint = endpoint
        meaning = KNOWN_ERRORS.get(errcode, _("微信拒绝了请求"))
        super().__init__(f"{meaning}（微信错误码 {errcode}：{errmsg}；接口 {endpoint}）")


class WechatUnreachable(Exception):
    """The API could not be reached (or answered with a server error) after every retry."""


class WechatNotConfigured(Exception):
    """The account's credentials are not set."""


def configured() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def _multipart(field_name: str, filename: str, content_type: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----dangan" + uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class PublishStatus:
    """What freepublish/get answered: ``publish_status`` 0 success, 1 publishing, 2+ failed (2 原创失败, 3 常规失败,
    4 平台审核不通过, 5 成功后用户删除所有文章, 6 成功后系统封禁所有文章)."""

    status: int
    article_id: str = ""
    url: str = ""
    fail_idx: list[int] = field(default_factory=list)

    @property
    def publishing(self) -> bool:
        return self.status == 1

    @property
    def succeeded(self) -> bool:
        return self.status == 0


PUBLISH_FAILURES = {
    2: "原创声明失败",
    3: "常规失败",
    4: "平台审核不通过",
    5: "发布成功后已被删除",
    6: "发布成功后已被系统封禁",
}


class WechatClient:
    """The API of the account in settings (``WECHAT_APP_ID``/``WECHAT_APP_SECRET`` at ``WECHAT_API_BASE``)."""

    def __init__(
        self,
        *,
        base: str | None = None,
        app_id: str | None = None,
        secret: str | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = (base or settings.WECHAT_API_BASE).rstrip("/")
        self.app_id = settings.WECHAT_APP_ID if app_id is None else app_id
        self.secret = settings.WECHAT_APP_SECRET if secret is None else secret
        if not (self.app_id and self.secret):
            raise WechatNotConfigured(
                _("未配置微信公众号的 AppID 和 AppSecret（DANGAN_WECHAT_APP_ID、DANGAN_WECHAT_APP_SECRET），无法推送")
            )
        self.retries = settings.WECHAT_RETRIES if retries is None else retries
        self.backoff = backoff
        self.sleep = sleep
        self.timeout = settings.WECHAT_TIMEOUT

    # ------------------------------------------------------------------ transport

    def _send(self, method: str, path: str, query: dict[str, str], body: bytes | None, content_type: str) -> Any:
        url = f"{self.base}{path}?{urllib.parse.urlencode(query)}" if query else f"{self.base}{path}"
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(url, data=body, method=method)
            if body is not None:
                request.add_header("Content-Type", content_type)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
            except urllib.error.HTTPError as exc:
                if exc.code >= 500:
                    last = exc
                    continue
                raise WechatUnreachable(_("微信接口返回 HTTP {code}：{path}").format(code=exc.code, path=path)) from exc
            except (urllib.error.URLError, OSError) as exc:
                last = exc
                logger.warning("wechat %s %s: %s (try %d)", method, path, exc, attempt + 1)
                continue
            try:
                return json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise WechatUnreachable(_("微信接口的回答不是 JSON：{path}").format(path=path)) from exc
        raise WechatUnreachable(
            _("无法连接微信接口（已重试 {n} 次）：{error}").format(n=self.retries, error=last)
        ) from last

    @staticmethod
    def _checked(answer: Any, endpoint: str) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise WechatError(47001, "unexpected answer", endpoint)
        code = answer.get("errcode", 0)
        if code not in (0, None):
            raise WechatError(int(code), str(answer.get("errmsg", "")), endpoint)
        return answer

    def _call(self, method: str, path: str, body: bytes | None = None, content_type: str = "", **query: str) -> Any:
        """A call with the access token: once more with a new token when WeChat says the token is no good."""
        for fresh in (False, True):
            token = self.access_token(refresh=fresh)
            answer = self._send(method, path, {"access_token": token, **query}, body, content_type)
            if isinstance(answer, dict) and answer.get("errcode") in TOKEN_ERRORS and not fresh:
                logger.info("wechat token refused (%s), fetching a new one", answer.get("errcode"))
                continue
            return self._checked(answer, path)
        raise AssertionError("unreachable")

    def _json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        # WeChat wants the characters themselves, not \u escapes (its documentation says so for title and author).
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        result: dict[str, Any] = self._call("POST", path, body, "application/json; charset=utf-8")
        return result

    # ------------------------------------------------------------------ the token

    def access_token(self, *, refresh: bool = False) -> str:
        """The kept token unless it ends within TOKEN_MARGIN (or ``refresh``): then a new one, kept."""
        from dangan.outreach.models import WechatToken

        now = timezone.now()
        if not refresh:
            kept = WechatToken.objects.filter(app_id=self.app_id, expires_at__gt=now + TOKEN_MARGIN).first()
            if kept is not None:
                return kept.token
        # The stable token (稳定版接口): within its life every process gets the same one, so that two workers do not
        # take the token from each other; force_refresh only when WeChat refused the kept one.
        payload = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.secret}
        body = json.dumps({**payload, "force_refresh": refresh}).encode()
        answer = self._checked(self._send("POST", STABLE_TOKEN, {}, body, "application/json"), STABLE_TOKEN)
        token = str(answer.get("access_token", ""))
        if not token:
            raise WechatError(47001, "no access_token in the answer", STABLE_TOKEN)
        expires = now + timedelta(seconds=int(answer.get("expires_in", 7200)))
        with transaction.atomic():
            WechatToken.objects.update_or_create(app_id=self.app_id, defaults={"token": token, "expires_at": expires})
        return token

    # ------------------------------------------------------------------ the operations

    def upload_image(self, data: bytes, filename: str, content_type: str) -> str:
        """An image inside an article (jpg/png, < 1 MB) → the URL WeChat serves it from."""
        body, ctype = _multipart("media", filename, content_type, data)
        answer = self._call("POST", "/cgi-bin/media/uploadimg", body, ctype)
        url = str(answer.get("url", ""))
        if not url:
            raise WechatError(47001, "no url in the answer", "/cgi-bin/media/uploadimg")
        return url

    def add_image_material(self, data: bytes, filename: str, content_type: str) -> str:
        """A permanent image (the cover, ≤ 10 MB) → its media_id (the article's ``thumb_media_id``)."""
        body, ctype = _multipart("media", filename, content_type, data)
        answer = self._call("POST", "/cgi-bin/material/add_material", body, ctype, type="image")
        media_id = str(answer.get("media_id", ""))
        if not media_id:
            raise WechatError(47001, "no media_id in the answer", "/cgi-bin/material/add_material")
        return media_id

    def add_draft(self, article: dict[str, Any]) -> str:
        """One article as a draft → the draft's media_id."""
        answer = self._json("/cgi-bin/draft/add", {"articles": [article]})
        media_id = str(answer.get("media_id", ""))
        if not media_id:
            raise WechatError(47001, "no media_id in the answer", "/cgi-bin/draft/add")
        return media_id

    def submit_publish(self, media_id: str) -> str:
        """Publish a draft → the publishing job's publish_id."""
        answer = self._json("/cgi-bin/freepublish/submit", {"media_id": media_id})
        publish_id = str(answer.get("publish_id", ""))
        if not publish_id:
            raise WechatError(47001, "no publish_id in the answer", "/cgi-bin/freepublish/submit")
        return publish_id

    def publish_status(self, publish_id: str) -> PublishStatus:
        answer = self._json("/cgi-bin/freepublish/get", {"publish_id": publish_id})
        detail = answer.get("article_detail") or {}
        items = detail.get("item") or [] if isinstance(detail, dict) else []
        url = str(items[0].get("article_url", "")) if items and isinstance(items[0], dict) else ""
        return PublishStatus(
            status=int(answer.get("publish_status", 3)),
            article_id=str(answer.get("article_id", "") or ""),
            url=url,
            fail_idx=[int(i) for i in answer.get("fail_idx") or []],
        )
