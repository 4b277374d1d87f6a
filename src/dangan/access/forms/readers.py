"""Forms of the readers part: registration (online and at the desk), sign-in, own profile, staff decisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from dangan.access.identity import DocumentType
from dangan.core.forms import LoginForm
from dangan.core.roles import is_reader


class ReaderLoginForm(LoginForm):
    """The readers' sign-in: core's sign-in with its counting and lockout, for readers' accounts only."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_reader(user):
            raise forms.ValidationError(_("此处仅供查档人登录；工作人员请从工作台登录。"), code="not_reader")


class _IdentityFields(forms.Form):
    real_name = forms.CharField(
        label=_("真实姓名"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    document_type = forms.ChoiceField(
        label=_("证件类型"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    document_number = forms.CharField(
        label=_("证件号码"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    organisation = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        required=False,
        help_text=_("可不填，默认以手机号码作为用户名。"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class RegisterForm(_IdentityFields):
    """Online self-registration of a reader."""

    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    consent = forms.BooleanField(
        label=_("我已阅读并同意《个人信息告知》"),
        error_messages={"required": _("请阅读并同意个人信息告知后再注册。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = "".join(str(t) for t in password_validators_help_texts())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("两次输入的密码不一致。"))
        return data


class WalkInForm(_IdentityFields):
    """A reader registered at the desk by staff (one-time password)."""

    verified = forms.BooleanField(label=_("已当面核对证件原件"), required=False, initial=True)
    consent = forms.BooleanField(
        label=_("查档人已同意《个人信息告知》"),
        error_messages={"required": _("须经查档人同意个人信息告知后才能登记。")},
    )


class ProfileForm(forms.Form):
    """What a reader changes themself; name and document are changed only at the desk."""

    phone = forms.CharField(
        label=_("手机号码"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})
    )
    organisation = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VerifyForm(forms.Form):
    document_checked = forms.BooleanField(
        label=_("已当面核对证件原件，与登记的姓名和证件号码一致"),
        error_messages={"required": _("请当面核对证件原件与登记信息一致后再确认。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("删除原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：查档人书面申请删除个人信息（申请日期）。"),
    )
    confirm = forms.BooleanField(
        label=_("我确认删除：姓名、证件、电话将被清除，账号停用，此操作不能撤销"),
        error_messages={"required": _("请勾选确认后再删除。")},
    )
