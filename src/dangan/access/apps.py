from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "dangan.access"
    label = "access"
    verbose_name = _("利用与开放")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
