from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreservationConfig(AppConfig):
    name = "dangan.preservation"
    label = "preservation"
    verbose_name = _("长期保存")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
