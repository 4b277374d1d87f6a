from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplicationConfig(AppConfig):
    name = "dangan.replication"
    label = "replication"
    verbose_name = _("异地备份")

    def ready(self) -> None:
        from . import hooks  # noqa: F401
