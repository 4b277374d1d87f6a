from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompilationConfig(AppConfig):
    name = "dangan.compilation"
    label = "compilation"
    verbose_name = _("档案编研")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
