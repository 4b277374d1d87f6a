# Digitization batches (DA/T 31): batches, their units, page scans with QC results, sample inspections, uploads.

import dangan.digitization.models.batches
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_unit_scheme_index"),
        ("digitization", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Batch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="标识符")),
                ("name", models.CharField(max_length=200, unique=True, verbose_name="批次名称")),
                ("dpi", models.PositiveIntegerField(default=300, verbose_name="分辨率（dpi）")),
                (
                    "colour_mode",
                    models.CharField(
                        choices=[("colour", "彩色"), ("grey", "灰度"), ("bitonal", "黑白")],
                        default="colour",
                        max_length=8,
                        verbose_name="色彩模式",
                    ),
                ),
                (
                    "master_format",
                    models.CharField(
                        choices=[("tiff", "TIFF"), ("jpeg", "JPEG"), ("jp2", "JPEG 2000")],
                        default="tiff",
                        max_length=8,
                        verbose_name="存储格式",
                    ),
                ),
                ("max_skew_degrees", models.FloatField(default=3.0, verbose_name="最大倾斜角（度）")),
                ("operator", models.CharField(blank=True, max_length=150, verbose_name="扫描人员")),
                ("organisation", models.CharField(blank=True, max_length=300, verbose_name="扫描单位")),
                ("planned_start", models.DateField(blank=True, null=True, verbose_name="计划开始日期")),
                ("planned_end", models.DateField(blank=True, null=True, verbose_name="计划完成日期")),
                ("started", models.DateField(blank=True, null=True, verbose_name="实际开始日期")),
                ("finished", models.DateField(blank=True, null=True, verbose_name="实际完成日期")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "登记"),
                            ("scanning", "扫描中"),
                            ("checking", "质检中"),
                            ("inspecting", "抽检中"),
                            ("accepted", "已验收"),
                            ("preserved", "已入库"),
                            ("rework", "返工"),
                        ],
                        db_index=True,
                        default="planned",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                (
                    "sample_percent",
                    models.FloatField(
                        default=dangan.digitization.models.batches.default_sample_percent, verbose_name="抽检比例（%）"
                    ),
                ),
                (
                    "accept_percent",
                    models.FloatField(
                        default=dangan.digitization.models.batches.default_accept_percent,
                        verbose_name="验收合格率（%）",
                    ),
                ),
                ("notes", models.TextField(blank=True, verbose_name="备注")),
                (
                    "task",
                    models.CharField(
                        blank=True,
                        choices=[("import", "导入与质检"), ("preserve", "入库保存")],
                        default="",
                        max_length=16,
                        verbose_name="后台任务",
                    ),
                ),
                ("task_id", models.CharField(blank=True, default="", max_length=64)),
                ("task_since", models.DateTimeField(blank=True, null=True)),
                ("progress_done", models.PositiveIntegerField(default=0)),
                ("progress_total", models.PositiveIntegerField(default=0)),
                ("progress_label", models.CharField(blank=True, max_length=100)),
                ("message", models.TextField(blank=True, verbose_name="说明")),
                ("problems", models.JSONField(blank=True, default=list, verbose_name="导入问题")),
                ("version", models.PositiveIntegerField(default=1, verbose_name="修订号")),
                ("created_by_name", models.CharField(blank=True, max_length=150, verbose_name="登记人")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "fonds",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="digitization_batches",
                        to="catalog.fonds",
                        verbose_name="全宗",
                    ),
                ),
            ],
            options={
                "verbose_name": "数字化批次",
                "verbose_name_plural": "数字化批次",
                "ordering": ["-created", "-id"],
            },
        ),
        migrations.CreateModel(
            name="BatchUnit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("reference_code", models.CharField(max_length=80, verbose_name="档号")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="顺序")),
                ("expected_pages", models.PositiveIntegerField(blank=True, null=True, verbose_name="应有页数")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待扫描"),
                            ("passed", "质检合格"),
                            ("failed", "质检不合格"),
                            ("preserved", "已入库"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("preserved_version", models.CharField(blank=True, max_length=16, verbose_name="保存版本")),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="units",
                        to="digitization.batch",
                        verbose_name="批次",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.archivalunit",
                        verbose_name="档案",
                    ),
                ),
            ],
            options={
                "verbose_name": "批次档案",
                "verbose_name_plural": "批次档案",
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="BatchUpload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="标识符")),
                ("file_name", models.CharField(max_length=300, verbose_name="文件名")),
                ("size", models.PositiveBigIntegerField(verbose_name="大小")),
                ("received", models.PositiveBigIntegerField(default=0, verbose_name="已接收")),
                ("complete", models.BooleanField(default=False, verbose_name="已完成")),
                ("used", models.BooleanField(default=False, verbose_name="已导入")),
                ("path", models.CharField(max_length=1000)),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="uploads", to="digitization.batch"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "批次上传",
                "verbose_name_plural": "批次上传",
                "ordering": ["-created"],
            },
        ),
        migrations.CreateModel(
            name="Inspection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="标识符")),
                ("round", models.PositiveIntegerField(default=1, verbose_name="轮次")),
                ("seed", models.CharField(max_length=64)),
                ("inspector_name", models.CharField(blank=True, max_length=150, verbose_name="抽检人")),
                ("finished", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        choices=[("", "未判定"), ("pass", "合格"), ("fail", "不合格")],
                        default="",
                        max_length=16,
                        verbose_name="结论",
                    ),
                ),
                ("pass_percent", models.FloatField(blank=True, null=True, verbose_name="合格率（%）")),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="inspections",
                        to="digitization.batch",
                        verbose_name="批次",
                    ),
                ),
                (
                    "inspector",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "人工抽检",
                "verbose_name_plural": "人工抽检",
                "ordering": ["-round", "-id"],
            },
        ),
        migrations.CreateModel(
            name="PageScan",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("number", models.PositiveIntegerField(verbose_name="页号")),
                ("original_name", models.CharField(max_length=300, verbose_name="原文件名")),
                ("path", models.CharField(help_text="relative to the batch's folder", max_length=500)),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("size", models.PositiveBigIntegerField(default=0, verbose_name="大小")),
                ("width", models.PositiveIntegerField(blank=True, null=True, verbose_name="宽")),
                ("height", models.PositiveIntegerField(blank=True, null=True, verbose_name="高")),
                ("dpi", models.FloatField(blank=True, null=True, verbose_name="分辨率")),
                ("colour_mode", models.CharField(blank=True, max_length=16, verbose_name="色彩模式")),
                ("format", models.CharField(blank=True, max_length=16, verbose_name="格式")),
                ("phash", models.CharField(blank=True, max_length=16, verbose_name="感知哈希")),
                ("skew_degrees", models.FloatField(blank=True, null=True, verbose_name="倾斜角")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待检"),
                            ("passed", "合格"),
                            ("failed", "不合格"),
                            ("rework", "返工"),
                            ("accepted", "已验收"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("revision", models.PositiveIntegerField(default=0, verbose_name="返工次数")),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pages",
                        to="digitization.batch",
                        verbose_name="批次",
                    ),
                ),
                (
                    "batch_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pages",
                        to="digitization.batchunit",
                        verbose_name="档案",
                    ),
                ),
            ],
            options={
                "verbose_name": "页面图像",
                "verbose_name_plural": "页面图像",
                "ordering": ["batch_unit__position", "batch_unit_id", "number"],
            },
        ),
        migrations.CreateModel(
            name="InspectionItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField(default=0)),
                (
                    "verdict",
                    models.CharField(
                        blank=True,
                        choices=[("", "未判定"), ("pass", "合格"), ("fail", "不合格")],
                        default="",
                        max_length=8,
                        verbose_name="判定",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="判定时间")),
                ("decided_by_name", models.CharField(blank=True, max_length=150, verbose_name="判定人")),
                (
                    "inspection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="items", to="digitization.inspection"
                    ),
                ),
                (
                    "page",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="inspection_items",
                        to="digitization.pagescan",
                    ),
                ),
            ],
            options={
                "verbose_name": "抽检页",
                "verbose_name_plural": "抽检页",
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="QcResult",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("page_number", models.PositiveIntegerField(blank=True, null=True, verbose_name="页号")),
                ("code", models.CharField(max_length=32, verbose_name="检查项")),
                ("passed", models.BooleanField(verbose_name="通过")),
                ("measured", models.CharField(blank=True, max_length=200, verbose_name="测量值")),
                ("limit", models.CharField(blank=True, max_length=200, verbose_name="要求")),
                ("message", models.TextField(blank=True, verbose_name="说明")),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="qc_results", to="digitization.batch"
                    ),
                ),
                (
                    "batch_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="qc_results",
                        to="digitization.batchunit",
                    ),
                ),
                (
                    "page",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="qc_results",
                        to="digitization.pagescan",
                    ),
                ),
            ],
            options={
                "verbose_name": "质检结果",
                "verbose_name_plural": "质检结果",
                "ordering": ["batch_unit_id", "page_number", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="batchunit",
            constraint=models.UniqueConstraint(fields=("batch", "unit"), name="digitization_batch_unit_unique"),
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.UniqueConstraint(fields=("batch", "round"), name="digitization_inspection_round"),
        ),
        migrations.AddIndex(
            model_name="pagescan",
            index=models.Index(fields=["batch", "status"], name="digitization_page_status"),
        ),
        migrations.AddConstraint(
            model_name="pagescan",
            constraint=models.UniqueConstraint(fields=("batch_unit", "number"), name="digitization_page_unique"),
        ),
        migrations.AddConstraint(
            model_name="inspectionitem",
            constraint=models.UniqueConstraint(fields=("inspection", "page"), name="digitization_inspection_page"),
        ),
        migrations.AddIndex(
            model_name="qcresult",
            index=models.Index(fields=["batch", "passed"], name="digitization_qc_passed"),
        ),
    ]
