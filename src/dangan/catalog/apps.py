from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "dangan.catalog"
    label = "catalog"
    verbose_name = _("档案目录")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
