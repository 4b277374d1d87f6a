"""Guards shared by the access app's views: readers' pages (/account/) are for readers' accounts only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from dangan.core.roles import is_reader

View = Callable[..., HttpResponseBase]


def reader_required(view: View) -> View:
    """Readers' pages: anybody not signed in goes to the readers' sign-in; a staff account is refused (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account:login')}?{urlencode({'next': request.get_full_path()})}")
        if not is_reader(request.user):
            raise PermissionDenied(_("这是查档人的页面；工作人员请使用工作台。"))
        return view(request, *args, **kwargs)

    return wrapped
