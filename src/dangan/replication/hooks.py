"""What the replication app registers when Django is ready: its audit actions, the stores of each kind of target,
and its workspace menu entry. Each part adds its registrations here, one line each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.auditlog.display import AuditDescriber, readable_by_all, register_describer
from dangan.core.roles import Capability
from dangan.core.schedule import PeriodicJob, register_periodic_job
from dangan.replication.choices import Medium, PartnerStatus
from dangan.replication.navigation import Link, register_link
from dangan.replication.stores.discs import DiscSetStore
from dangan.replication.stores.folder import folder_store
from dangan.replication.stores.partner import partner_store
from dangan.replication.stores.registry import register_store
from dangan.replication.stores.s3 import s3_store
from dangan.utilities.registry import MenuItem, register_menu_item

# ---------------------------------------------------------------- partners (结对与结对协议)
register_menu_item(
    MenuItem(
        "replication",
        gettext_lazy("异地备份"),
        "replication:home",
        Capability.REPLICATION_VIEW,
        order=75,
        active_prefixes=("/manage/replication",),
    )
)
register_action("replication.partner.add", gettext_lazy("添加结对档案馆"))
register_action("replication.partner.agreement", gettext_lazy("修改结对协议"))
register_action("replication.partner.suspend", gettext_lazy("暂停结对"))
register_action("replication.partner.resume", gettext_lazy("恢复结对"))
register_action("replication.partner.remove", gettext_lazy("解除结对"))
# A pairing holds no catalog data: whoever reads the audit log reads these entries in full (the auditor checks
# the system administrator's pairings).
register_describer(
    AuditDescriber(
        "replication.partner.",
        readable_by_all,
        labels={
            "node_name": gettext_lazy("对方节点名称"),
            "target": gettext_lazy("备份目标"),
            "medium": gettext_lazy("介质"),
            "site": gettext_lazy("存放地点"),
            "replicas_missing": gettext_lazy("不再计为副本的副本数"),
        },
        values={"status": PartnerStatus, "medium": Medium},
    )
)
register_link(
    Link(
        "replication:partners",
        gettext_lazy("结对档案馆"),
        order=10,
        description=gettext_lazy("结对、结对协议、暂停与解除"),
    )
)

# ---------------------------------------------------------------- protocol (keeping for partners, the partner store)
register_action("replication.keeping.receive", gettext_lazy("代存结对档案馆的密文对象"))
register_action("replication.keeping.delete", gettext_lazy("删除代存的密文对象"))
register_store("partner", partner_store)
# ---------------------------------------------------------------- transfers (复制、备份登记)
register_store("folder", folder_store)
register_action("replication.replicate", gettext_lazy("执行异地备份复制"))


def _queue_replication(now: object) -> int:
    from .tasks.transfers import queue_due_replication

    return queue_due_replication(now)  # type: ignore[arg-type]


register_periodic_job(PeriodicJob("replication.replicate", gettext_lazy("定期异地备份复制"), _queue_replication))
register_link(
    Link(
        "replication:copies",
        gettext_lazy("副本状态"),
        order=30,
        description=gettext_lazy("各保存包的副本在哪里、是否同步、何时验证，哪些未满足备份策略；备份登记；立即复制"),
    )
)


# ---------------------------------------------------------------- targets (the S3 store, target management)
register_store("s3", s3_store)
register_action("replication.target.add", gettext_lazy("新增备份目标"))
register_action("replication.target.update", gettext_lazy("修改备份目标"))
register_action("replication.target.disable", gettext_lazy("停用备份目标"))
register_action("replication.target.enable", gettext_lazy("启用备份目标"))
# ---------------------------------------------------------------- discs (Blu-ray disc sets and their register)
register_store("discs", DiscSetStore)
register_action("replication.discs.write", gettext_lazy("写入光盘套"))
register_action("replication.discs.locate", gettext_lazy("登记光盘存放位置"))
register_action("replication.discs.read_back", gettext_lazy("回读校验光盘"))
register_action("replication.discs.lost", gettext_lazy("登记光盘丢失"))
register_action("replication.discs.rebuild", gettext_lazy("重建光盘映像"))
register_link(
    Link(
        "replication:discs",
        gettext_lazy("光盘登记册"),
        order=40,
        description=gettext_lazy("蓝光光盘套：每张光盘的标签、存放位置、写入与回读，丢失后重建"),
    )
)

# ---------------------------------------------------------------- key escrow (密钥托管: actions/keys.py)
register_action("replication.keys.export", gettext_lazy("导出主密钥份额"))
register_action("replication.keys.restore", gettext_lazy("由份额恢复主密钥"))

# ---------------------------------------------------------------- repair (修复: actions/repair.py)
register_action("replication.repair", gettext_lazy("修复副本与本馆损坏文件"))
register_link(
    Link(
        "replication:repair",
        gettext_lazy("修复"),
        order=50,
        capability=Capability.REPLICATION_MANAGE,
        description=gettext_lazy("由完好副本重写损坏或缺失的副本，由结对档案馆的副本恢复本馆损坏的文件"),
    )
)
# ---------------------------------------------------------------- audits (验证: actions/audits.py)
register_action("replication.audit", gettext_lazy("验证备份副本"))
register_action("replication.audit.start", gettext_lazy("发起备份副本验证"))
# An audit's entry holds the target and counts, no catalog data: readable in full by whoever reads the log.
for _audit_prefix in ("replication.audit", "replication.audit."):
    register_describer(
        AuditDescriber(
            _audit_prefix,
            readable_by_all,
            labels={
                "target": gettext_lazy("备份目标"),
                "full": gettext_lazy("全量验证"),
                "outcome": gettext_lazy("结果"),
                "envelopes": gettext_lazy("密文对象数"),
                "chunks_sampled": gettext_lazy("抽查块数"),
                "chunks_covered": gettext_lazy("覆盖块数"),
                "failures": gettext_lazy("问题数"),
            },
        )
    )
register_link(
    Link(
        "replication:audits",
        gettext_lazy("副本验证"),
        order=50,
        description=gettext_lazy("不下载即验证各备份目标上的副本：抽查、周期覆盖、发现的问题；立即验证"),
    )
)


def _queue_replication_audits(now: object) -> int:
    from .actions.audits import queue_due_audits

    return queue_due_audits(now)  # type: ignore[arg-type]


register_periodic_job(PeriodicJob("replication.audit", gettext_lazy("定期验证备份副本"), _queue_replication_audits))
# ---------------------------------------------------------------- drills (恢复演练, 灾难恢复: actions/drills.py)
register_action("replication.drill", gettext_lazy("恢复演练"))
register_action("replication.restore", gettext_lazy("由备份目标恢复存储库"))
register_link(
    Link(
        "replication:drills",
        gettext_lazy("恢复演练"),
        order=60,
        description=gettext_lazy("由备份目标恢复到临时存储库并核验：恢复时间、恢复点、失败明细与 PDF 报告"),
    )
)

# ---------------------------------------------------------------- the audit log's view of every other replication entry
# Replication entries hold targets, counts, package ids, envelope names, disc labels and custodians' names — no 档号,
# no titles (repair and drills log package ids on purpose): readable in full by whoever reads the log. The partner
# and audit describers above are more specific and win for their entries.
register_describer(
    AuditDescriber(
        "replication.",
        readable_by_all,
        labels={
            "target": gettext_lazy("备份目标"),
            "packages": gettext_lazy("保存包数"),
            "replicated": gettext_lazy("已复制"),
            "sent_envelopes": gettext_lazy("发送密文对象数"),
            "sent_bytes": gettext_lazy("发送字节数"),
            "missing": gettext_lazy("缺失"),
            "targets_down": gettext_lazy("无法连接的目标"),
            "repaired": gettext_lazy("已修复"),
            "failed": gettext_lazy("未能修复"),
            "bytes_sent": gettext_lazy("发送字节数"),
            "drill": gettext_lazy("演练编号"),
            "kind": gettext_lazy("类型"),
            "fonds": gettext_lazy("全宗"),
            "into": gettext_lazy("恢复到"),
            "from_shares": gettext_lazy("以份额恢复的密钥"),
            "key_id": gettext_lazy("密钥标识"),
            "state": gettext_lazy("状态"),
            "ok": gettext_lazy("通过"),
            "recovery_time_s": gettext_lazy("恢复时间（秒）"),
            "recovery_point_s": gettext_lazy("恢复点（秒）"),
            "newest_version_at": gettext_lazy("最新版本时间"),
            "objects": gettext_lazy("对象数"),
            "files": gettext_lazy("文件数"),
            "bytes": gettext_lazy("字节数"),
            "files_resumed": gettext_lazy("续传文件数"),
            "failures": gettext_lazy("失败明细"),
            "custodians": gettext_lazy("保管人"),
            "k": gettext_lazy("恢复所需份额数"),
            "n": gettext_lazy("份额总数"),
            "shares": gettext_lazy("份额数"),
            "share_version": gettext_lazy("份额格式"),
            "replaced_unused_keys": gettext_lazy("替换的未用密钥"),
            "node_id": gettext_lazy("节点标识"),
            "label": gettext_lazy("标签"),
            "location": gettext_lazy("存放位置"),
            "discs": gettext_lazy("光盘"),
            "count": gettext_lazy("数量"),
            "size": gettext_lazy("大小"),
        },
    )
)
