# Part drills: restore drills and restores (DrillRun).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0008_envelope_faults"),
    ]

    operations = [
        migrations.CreateModel(
            name="DrillRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("drill", "恢复演练"), ("restore", "灾难恢复")],
                        default="drill",
                        max_length=16,
                        verbose_name="类型",
                    ),
                ),
                ("fonds", models.CharField(blank=True, max_length=16, verbose_name="全宗号")),
                ("into", models.CharField(max_length=1000, verbose_name="恢复到")),
                ("from_shares", models.BooleanField(default=False, verbose_name="由托管份额组合密钥")),
                ("key_id", models.CharField(blank=True, max_length=32, verbose_name="主密钥编号")),
                (
                    "state",
                    models.CharField(
                        choices=[("running", "进行中"), ("passed", "全部恢复并核验"), ("failed", "有失败")],
                        default="running",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("started_by", models.CharField(blank=True, max_length=150, verbose_name="发起人")),
                ("started_at", models.DateTimeField(verbose_name="开始时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                ("objects_restored", models.PositiveIntegerField(default=0, verbose_name="恢复对象数")),
                ("files_restored", models.PositiveIntegerField(default=0, verbose_name="恢复文件数")),
                ("bytes_restored", models.PositiveBigIntegerField(default=0, verbose_name="恢复字节数")),
                ("files_resumed", models.PositiveIntegerField(default=0, verbose_name="续做时保留的文件数")),
                ("recovery_time", models.FloatField(blank=True, null=True, verbose_name="恢复时间（秒）")),
                ("newest_version_at", models.DateTimeField(blank=True, null=True, verbose_name="最新恢复版本的时间")),
                ("recovery_point", models.FloatField(blank=True, null=True, verbose_name="恢复点（秒）")),
                ("failures", models.JSONField(blank=True, default=list, verbose_name="失败")),
                (
                    "target",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="drills",
                        to="replication.target",
                        verbose_name="备份目标",
                    ),
                ),
            ],
            options={
                "verbose_name": "恢复演练",
                "verbose_name_plural": "恢复演练",
                "ordering": ["-started_at", "-pk"],
            },
        ),
    ]
