from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigitizationConfig(AppConfig):
    name = "dangan.digitization"
    label = "digitization"
    verbose_name = _("数字化")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
