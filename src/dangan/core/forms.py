"""Forms of the core pages: sign-in, own password, accounts, clearances and API tokens (the audit log's filter is
``core.auditlog.filters``)."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .actions import signin
from .choices import SecurityClassification
from .models import User
from .roles import business_roles


class LoginForm(AuthenticationForm):
    """Sign-in, counted and locked per account name and per client address (``core.actions.signin``)."""

    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        address = signin.client_address(self.request)
        gate = signin.begin_attempt(username, address)
        if not gate.allowed:
            raise self.locked_error(gate)
        try:
            super().clean()
        except forms.ValidationError:
            gate = signin.record_failure(username, address)
            if not gate.allowed:
                raise self.locked_error(gate) from None
            raise
        signin.record_success(username, address)
        return self.cleaned_data

    @staticmethod
    def locked_error(gate: signin.Gate) -> forms.ValidationError:
        """The same words whether the name exists or not, and whether the name or the address is locked."""
        if gate.locked_until is None:
            message = gettext("登录失败次数过多，已被锁定。请联系安全保密管理员解锁。")
        else:
            minutes = max(1, math.ceil((gate.locked_until - timezone.now()).total_seconds() / 60))
            message = ngettext(
                "登录失败次数过多，已被锁定。请 %(minutes)d 分钟后再试，或联系安全保密管理员解锁。",
                "登录失败次数过多，已被锁定。请 %(minutes)d 分钟后再试，或联系安全保密管理员解锁。",
                minutes,
            ) % {"minutes": minutes}
        return forms.ValidationError(message, code="locked")


class OwnPasswordForm(forms.Form):
    """Change one's own password; the current one is asked again so that an unattended session cannot change it."""

    current_password = forms.CharField(
        label=_("当前密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = "".join(str(t) for t in password_validators_help_texts())

    def clean_current_password(self) -> str:
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("当前密码不正确。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        if new and data.get("current_password") == new:
            self.add_error("new_password", _("新密码不能与当前密码相同。"))
        return data


class UserCreateForm(forms.Form):
    """A business account; the three administrators are created only at the console (``dangan user create``)."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    role = forms.ChoiceField(label=_("角色"), choices=business_roles)


class RoleForm(forms.Form):
    """Between business roles only: the three administrator roles are given and taken at the console."""

    role = forms.ChoiceField(label=_("角色"), choices=business_roles)


class ClearanceForm(forms.Form):
    clearance = forms.ChoiceField(label=_("涉密等级"), choices=SecurityClassification.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100, help_text=_("用途，例如“数据交换脚本”。"))
    expires = forms.DateField(
        label=_("过期日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空表示不过期。"),
    )
