from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConservationConfig(AppConfig):
    name = "dangan.conservation"
    label = "conservation"
    verbose_name = _("保管保护")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
