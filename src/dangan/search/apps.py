from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "dangan.search"
    label = "search"
    verbose_name = _("检索")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
