"""What the replication app registers when Django is ready: its audit actions, the stores of each kind of target,
and its workspace menu entry. Each part adds its registrations here, one line each."""

from __future__ import annotations


# Part targets: the S3 store, and the audit actions of target management (actions/targets.py).
def _part_targets() -> None:
    from django.utils.translation import gettext_lazy

    from dangan.core.audit import register_action

    from .stores.registry import register_store
    from .stores.s3 import s3_store

    register_store("s3", s3_store)
    register_action("replication.target.add", gettext_lazy("新增备份目标"))
    register_action("replication.target.update", gettext_lazy("修改备份目标"))
    register_action("replication.target.disable", gettext_lazy("停用备份目标"))
    register_action("replication.target.enable", gettext_lazy("启用备份目标"))


_part_targets()
