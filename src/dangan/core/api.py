"""The REST API's shared parts: authentication, error translation, paging, and the account endpoints (who am I).

Every app's router is an ``ActionRouter``: its endpoints call actions, and the errors those raise become JSON —
``ValidationError`` → 422 ``{"detail": …, "errors": {field: message}}``, ``PermissionDenied`` → 403, ``Http404`` → 404.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import APIKeyCookie, HttpBearer

from .actions.accounts import require
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


class _Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = APIToken.objects.select_related("user").get(key_hash=APIToken.hash_key(token))
        except APIToken.DoesNotExist:
            return None
        now = timezone.now()
        if (api_token.expires and api_token.expires < now) or not api_token.user.is_active:
            return None
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
        if user is not None and user.is_authenticated and not user.must_change_password:
            return user
        return None


# ---------------------------------------------------------------- errors


class ErrorOut(Schema):
    """The body of every error response: a message for people, and one message per field where there is one."""

    detail: str
    errors: dict[str, str] = {}


ERROR_RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_response(status: int, detail: str, errors: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or {}}, status=status)


def validation_error_body(exc: ValidationError) -> dict[str, Any]:
    """``{"detail": all messages, "errors": {field: messages}}``; messages without a field go into detail only."""
    errors: dict[str, str] = {}
    if hasattr(exc, "error_dict"):
        errors = {field: "；".join(messages) for field, messages in exc.message_dict.items() if field != "__all__"}
    detail = "；".join(str(m).rstrip("。；") for m in exc.messages) or _("数据有误")
    return {"detail": detail, "errors": errors}


def translate_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an endpoint so that ValidationError, PermissionDenied and Http404 become 422, 403 and 404 responses."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            body = validation_error_body(exc)
            return error_response(422, body["detail"], body["errors"])
        except PermissionDenied as exc:
            return error_response(403, str(exc) or _("您没有执行此操作的权限。"))
        except Http404 as exc:
            return error_response(404, str(exc) or _("未找到"))

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
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "json_invalid": "JSON 格式有误",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "string_too_long": "长度不能超过 {max_length}",
    "enum": "无效的取值，可选：{expected}",
    "literal_error": "无效的取值，可选：{expected}",
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
    """Give the whole API (not only ActionRouter endpoints) the same JSON errors, in Chinese."""

    def on_request_error(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        body = request_errors_body(exc.errors)
        return error_response(422, body["detail"], body["errors"])

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = validation_error_body(exc)
        return error_response(422, body["detail"], body["errors"])

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, str(exc) or _("您没有执行此操作的权限。"))

    api.add_exception_handler(RequestValidationError, on_request_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)


# ---------------------------------------------------------------- helpers for endpoints


def require_capability(request: HttpRequest, capability: str) -> None:
    """PermissionDenied (→ 403) unless the caller's role holds ``capability`` (core.roles decides)."""
    require(request.user, capability)


MAX_PAGE_SIZE = 200


def page_bounds(page: int, size: int) -> tuple[int, int]:
    """``page`` ≥ 1 and ``size`` clamped to 1…MAX_PAGE_SIZE."""
    return max(1, page), max(1, min(size, MAX_PAGE_SIZE))


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
    user = request.user
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_display": str(user.get_role_display()),
        "clearance": user.clearance,
    }
