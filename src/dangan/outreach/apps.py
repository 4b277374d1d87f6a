from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "dangan.outreach"
    label = "outreach"
    verbose_name = _("宣传与开发利用")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
