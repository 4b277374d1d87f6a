"""The REST API's shared parts: authentication, error translation, paging, and the account endpoints (who am I).

Every app's router is an ``ActionRouter``: its endpoints call actions, and the errors those raise become JSON —
``ValidationError`` → 422 ``{"detail": …, "errors": {field: message}}`` (409 when its code says the current state
forbids it: a job already running), ``PermissionDenied`` → 403, ``Http404`` → 404. Every other error under /api/ is
JSON of the same shape with a Chinese message too (install_error_handlers, APIErrorMiddleware); see
docs/development/api.md.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import create_model

from dangan.utilities.filters import FilterSet
from dangan.utilities.paging import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, slice_page
from dangan.utilities.uploads import OffsetMismatch, chunk_start

from .actions.accounts import require
from .actors import signed_in
from .models import APIToken


class TokenOrSessionAuth:
    """Bearer token first; else the workspace session (with its CSRF check)."""

    # Documented as bearer auth, so that /api/docs offers to send a token.
    openapi_security_schema = {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <令牌>"}

    def __init__(self) -> None:
        self._bearer = _Bearer()
        self._session = _Session()

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return self._bearer(request)
        return self._session(request)


def caller_before_body(request: HttpRequest) -> Any:
    """Who is calling, known before the request's body is read: the bearer token's account, else the session's
    (signed in, password not awaiting a change); None for nobody. For an endpoint that streams a large body to disk
    first, so that nobody unknown makes the server write it; the endpoint's own authentication (with the session's
    CSRF check, which may read the body) still runs afterwards."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return _Bearer().authenticate(request, header[7:].strip())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.must_change_password:
        return user
    return None


class _Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = APIToken.objects.select_related("user").get(key_hash=APIToken.hash_key(token))
        except APIToken.DoesNotExist:
            return None
        now = timezone.now()
        if (api_token.expires and api_token.expires < now) or not api_token.user.is_active:
            return None
        if api_token.user.needs_password_change:
            # A one-time password (whoever set it knows it) or an expired one: the account may do nothing, by any
            # door, until it has set its own password in the workspace.
            raise PermissionDenied(_("该账号须先在工作台修改密码（一次性密码或密码已过期），之后才能使用 API 令牌。"))
        if not api_token.last_used or (now - api_token.last_used).total_seconds() > 60:
            # conventions: allow state-change — when a token was last used (at most once a minute): bookkeeping of
            # the authentication itself, not a domain change with an audit entry
            APIToken.objects.filter(pk=api_token.pk).update(last_used=now)
        request.user = api_token.user
        return api_token.user


class _Session(APIKeyCookie):
    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.needs_password_change:
            return user
        return None


# ---------------------------------------------------------------- errors


class ErrorOut(Schema):
    """The body of every error response: a message for people, and one message per field where there is one."""

    detail: str
    errors: dict[str, str] = {}


# Every status an endpoint may answer with an error, documented in the OpenAPI description of every operation.
ERROR_RESPONSES = {code: ErrorOut for code in (400, 401, 403, 404, 405, 409, 413, 422, 429, 500)}

# The message of a status when nothing more precise is known (a Django-level 404, a wrong method, a crash).
ERROR_MESSAGES: dict[int, Any] = {
    400: gettext_lazy("请求格式有误，无法读取。"),
    401: gettext_lazy("未登录或令牌无效：请在请求头中提供有效的令牌（Authorization: Bearer <令牌>）。"),
    403: gettext_lazy("您没有执行此操作的权限。"),
    404: gettext_lazy("未找到：没有这个接口或对象。"),
    405: gettext_lazy("该接口不支持这种请求方法。"),
    409: gettext_lazy("与当前状态冲突，请刷新后重试。"),
    413: gettext_lazy("请求内容过大。"),
    415: gettext_lazy("不支持的请求内容类型。"),
    422: gettext_lazy("数据有误。"),
    429: gettext_lazy("请求过于频繁，请稍后再试。"),
    500: gettext_lazy("服务器内部错误，已记录在日志中；请稍后再试，或联系系统管理员。"),
}
# ValidationError codes that mean "not now" rather than "wrong data": answered 409 Conflict.
CONFLICT_CODES = frozenset({"already_running", "conflict"})

logger = logging.getLogger("dangan.api")
_CJK = re.compile(r"[\u3400-\u9fff]")


def error_message(status: int, text: Any = None) -> str:
    """``text`` when it is a message for people (it has Chinese in it), else the status's own message: library
    messages (ninja's "Not Found", Django's "No … matches the given query") are English and say nothing useful."""
    if text is not None and _CJK.search(str(text)):
        return str(text)
    return str(ERROR_MESSAGES.get(status) or ERROR_MESSAGES[400 if status < 500 else 500])


def error_response(status: int, detail: str, errors: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or {}}, status=status)


class OffsetConflictOut(Schema):
    """409 of a resumable upload: the chunk was for another offset; resume from ``offset``."""

    detail: str
    errors: dict[str, str] = {}
    offset: int


Written = TypeVar("Written")


def receive_chunk(request: HttpRequest, size: int, write: Callable[[int, int], Written]) -> Written | JsonResponse:
    """One ``PUT`` of the resumable upload protocol (utilities.uploads): ``write(start, length)`` with the offset its
    ``Content-Range`` names, or the 409 with the offset to resume from when that is not where the upload stands."""
    length = int(request.headers.get("Content-Length") or 0)
    start = chunk_start(request.headers.get("Content-Range", ""), length, size)
    try:
        return write(start, length)
    except OffsetMismatch as exc:
        return JsonResponse({"detail": exc.messages[0], "errors": {}, "offset": exc.offset}, status=409)


def validation_error_body(exc: ValidationError) -> dict[str, Any]:
    """``{"detail": all messages, "errors": {field: messages}}``; messages without a field go into detail only."""
    errors: dict[str, str] = {}
    if hasattr(exc, "error_dict"):
        errors = {field: "；".join(messages) for field, messages in exc.message_dict.items() if field != "__all__"}
    detail = "；".join(str(m).rstrip("。；") for m in exc.messages) or _("数据有误")
    if isinstance(exc, InvalidFilters):
        detail = _("筛选条件有误：%(detail)s") % {"detail": detail}
    return {"detail": detail, "errors": errors}


def validation_error_response(exc: ValidationError) -> JsonResponse:
    """422 for wrong data; 409 when the action says the state forbids it now (CONFLICT_CODES)."""
    body = validation_error_body(exc)
    status = 409 if getattr(exc, "code", None) in CONFLICT_CODES else 422
    return error_response(status, body["detail"], body["errors"])


def translate_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an endpoint so that ValidationError, PermissionDenied and Http404 become 422 (or 409), 403 and 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            return validation_error_response(exc)
        except PermissionDenied as exc:
            return error_response(403, error_message(403, exc))
        except Http404 as exc:
            return error_response(404, error_message(404, exc))

    # ninja reads the parameters from the signature; resolve the annotations against the view's own module.
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


class ActionRouter(Router):
    """A router whose endpoints all translate the actions' errors (see ``translate_errors``)."""

    def add_api_operation(self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_operation(path, methods, translate_errors(view_func), **kwargs)


_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_unicode": "应为 UTF-8 文本",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "datetime_type": "时间格式应为 ISO 8601",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "json_invalid": "JSON 格式有误",
    "json_type": "应为 JSON",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "string_too_short": "长度不能少于 {min_length}",
    "string_too_long": "长度不能超过 {max_length}",
    "too_short": "至少要有 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "enum": "无效的取值，可选：{expected}",
    "literal_error": "无效的取值，可选：{expected}",
    "extra_forbidden": "不认识的字段",
}
_LOCATIONS = {"body", "query", "path", "form", "file", "header", "cookie", "payload", "filters", "data"}


def request_errors_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Chinese per-field messages for the request-parsing errors that ninja/pydantic report."""
    out: dict[str, str] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if str(p) not in _LOCATIONS] or ["__all__"]
        template = _PYDANTIC_MESSAGES.get(error.get("type", ""), "取值无效")
        try:
            message = template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            message = template
        field = ".".join(loc)
        out[field] = f"{out[field]}；{message}" if field in out else message
    detail = "；".join(f"{field}：{message}" for field, message in out.items())
    return {"detail": _("请求数据有误：%(detail)s") % {"detail": detail}, "errors": out}


def install_error_handlers(api: Any) -> None:
    """Give the whole API the same JSON errors with a Chinese message: request parsing (422), the actions' errors
    (422/409, 403, 404), authentication (401), throttling (429), too large a request (413), and any other
    exception — logged with its traceback, answered 500 without one. Errors that never reach ninja (a URL under
    /api/ that matches nothing, a wrong method) are made JSON by APIErrorMiddleware."""

    def on_request_error(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        body = request_errors_body(exc.errors)
        return error_response(422, body["detail"], body["errors"])

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return validation_error_response(exc)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, error_message(403, exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, error_message(404, exc))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        response = error_response(exc.status_code, error_message(exc.status_code, exc.message))
        if isinstance(exc, Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(413, error_message(413))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("API error: %s %s", request.method, request.path, exc_info=exc)
        return error_response(500, error_message(500))

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(RequestValidationError, on_request_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)


class APIErrorMiddleware:
    """Under /api/, every error is JSON with a Chinese message, also those that never reach an endpoint: a URL
    that matches nothing (Django's 404 page), a method the endpoint does not take (405), a CSRF refusal, a crash
    in a middleware (500, logged by Django with its traceback). Put first in MIDDLEWARE, so that it sees the
    responses of all the others."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = error_response(response.status_code, error_message(response.status_code))
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


# ---------------------------------------------------------------- helpers for endpoints


def require_capability(request: HttpRequest, capability: str) -> None:
    """PermissionDenied (→ 403) unless the caller's role holds ``capability`` (core.roles decides)."""
    require(request.user, capability)


# ---------------------------------------------------------------- lists: paging and filters


class PageOut(Schema):
    """What every list answers around its ``items`` (utilities.paging): the page, its size, the total and the
    number of pages where counted (null where counting the whole list would cost too much), whether more follow."""

    page: int = Field(description="页码，从 1 起")
    size: int = Field(description="每页条数")
    total: int | None = Field(description="总条数；不计算时为 null")
    pages: int | None = Field(description="总页数；不计算时为 null")
    has_next: bool = Field(description="后面是否还有")


class PageQuery(Schema):
    """The ``page``/``size`` query parameters of a list, with their bounds: a value outside them is a 422 with a
    Chinese message (never clamped in the API: a client that asks for page 0 or 10,000 rows has a bug to know of).
    A list with another default size subclasses it and declares ``size`` again."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，1–{MAX_PAGE}")
    size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，1–{MAX_PAGE_SIZE}")


class ShortPageQuery(PageQuery):
    """Paging of the lists whose rows are large (audits, imports): 20 rows unless asked."""

    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，1–{MAX_PAGE_SIZE}")


def paged(
    rows: Any, paging: Any, serialize: Callable[[Any], Any] | None = None, *, count: bool = True
) -> dict[str, Any]:
    """One page of ``rows`` as the API's list envelope ``{items, page, size, total, pages, has_next}``."""
    return slice_page(rows, paging.page, paging.size, count=count).envelope(serialize)


@functools.cache
def filter_query(filters: type[FilterSet]) -> type[Schema]:
    """The query parameters of a list's FilterSet, for its endpoint: every one optional text, read and checked by
    the filter class itself (the same messages as on the page). Used as the base of the endpoint's query class
    (``class UnitQuery(filter_query(UnitFilter)):  # type: ignore[misc]``), so that type checkers see a class."""
    fields: dict[str, Any] = {
        name: (str | None, Field(None, description=param.describe())) for name, param in filters.params.items()
    }
    if filters.orderings:
        fields["ordering"] = (
            str | None,
            Field(None, description=f"{filters.ordering_label}：{'、'.join(filters.orderings)}"),
        )
    model: type[Schema] = create_model(f"{filters.__name__}Query", __base__=Schema, **fields)
    return model


class InvalidFilters(ValidationError):
    """Filter values a list cannot use: 422, ``筛选条件有误：…`` and one message per parameter."""


def read_filters(filters: type[FilterSet], query: Any) -> Any:
    """The FilterSet read from an endpoint's filter query (a schema from filter_query, or a dict); InvalidFilters
    when a value is wrong."""
    values = query if isinstance(query, dict) else query.dict()
    found = filters.from_params({k: v for k, v in values.items() if v is not None})
    if found.errors:
        raise InvalidFilters({name: [message] for name, message in found.errors.items()})
    return found


def page_bounds(page: int, size: int) -> tuple[int, int]:
    """``page`` ≥ 1 and ``size`` clamped to 1…MAX_PAGE_SIZE (for callers that clamp; endpoints use page_query)."""
    return max(1, min(page, MAX_PAGE)), max(1, min(size, MAX_PAGE_SIZE))


# ---------------------------------------------------------------- accounts

router = ActionRouter(tags=["账号 accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_display: str
    clearance: str


@router.get("/me", response=MeOut, summary="当前用户 / the current user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = signed_in(request)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_display": str(user.get_role_display()),
        "clearance": user.clearance,
    }
