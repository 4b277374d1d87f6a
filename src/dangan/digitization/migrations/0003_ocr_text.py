# OCR text of preserved pages: PageText, PageTextRevision and OcrRun.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_unit_scheme_index"),
        ("digitization", "0002_batches"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OcrRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="标识符")),
                ("batch_name", models.CharField(blank=True, max_length=200, verbose_name="批次")),
                (
                    "status",
                    models.CharField(
                        choices=[("queued", "排队中"), ("running", "识别中"), ("done", "已完成"), ("failed", "失败")],
                        default="queued",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("units_total", models.PositiveIntegerField(default=0, verbose_name="档案数")),
                ("units_done", models.PositiveIntegerField(default=0, verbose_name="已完成档案数")),
                ("pages_total", models.PositiveIntegerField(default=0, verbose_name="页数")),
                ("pages_done", models.PositiveIntegerField(default=0, verbose_name="已识别页数")),
                ("pages_skipped", models.PositiveIntegerField(default=0, verbose_name="跳过页数")),
                ("started", models.DateTimeField(blank=True, null=True, verbose_name="开始时间")),
                ("finished", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                ("error", models.TextField(blank=True, verbose_name="错误")),
                ("requested_by_name", models.CharField(blank=True, max_length=150, verbose_name="发起人")),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="catalog.archivalunit",
                        verbose_name="档案",
                    ),
                ),
            ],
            options={
                "verbose_name": "文字识别任务",
                "verbose_name_plural": "文字识别任务",
                "ordering": ["-created", "-id"],
            },
        ),
        migrations.CreateModel(
            name="PageText",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("page", models.PositiveIntegerField(verbose_name="页码")),
                ("master_path", models.CharField(max_length=1000, verbose_name="原始图像")),
                ("master_sha256", models.CharField(max_length=64, verbose_name="原始图像 SHA-256")),
                ("text", models.TextField(blank=True, verbose_name="文本")),
                ("alto", models.TextField(blank=True, verbose_name="ALTO")),
                ("engine", models.CharField(blank=True, max_length=100, verbose_name="识别引擎")),
                ("revision", models.PositiveIntegerField(default=1, verbose_name="修订号")),
                ("version", models.PositiveIntegerField(default=1, verbose_name="版本")),
                ("updated_by_name", models.CharField(blank=True, max_length=150, verbose_name="修改人")),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="page_texts",
                        to="catalog.archivalunit",
                        verbose_name="档案",
                    ),
                ),
                (
                    "updated_by",
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
                "verbose_name": "页面文本",
                "verbose_name_plural": "页面文本",
                "ordering": ["unit", "page"],
            },
        ),
        migrations.CreateModel(
            name="PageTextRevision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveIntegerField(verbose_name="修订号")),
                (
                    "source",
                    models.CharField(
                        choices=[("ocr", "识别"), ("correction", "校对")], max_length=16, verbose_name="来源"
                    ),
                ),
                ("changes", models.JSONField(blank=True, default=list, verbose_name="修改的行")),
                ("engine", models.CharField(blank=True, max_length=100, verbose_name="识别引擎")),
                ("package_version", models.CharField(blank=True, max_length=16, verbose_name="保存包版本")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                ("user_name", models.CharField(blank=True, max_length=150, verbose_name="操作人")),
                (
                    "page_text",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="digitization.pagetext",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "文本修订",
                "verbose_name_plural": "文本修订",
                "ordering": ["page_text", "-revision"],
            },
        ),
        migrations.AddConstraint(
            model_name="pagetext",
            constraint=models.UniqueConstraint(fields=("unit", "page"), name="digitization_page_text_unique"),
        ),
        migrations.AddConstraint(
            model_name="pagetextrevision",
            constraint=models.UniqueConstraint(
                fields=("page_text", "revision"), name="digitization_page_text_revision_unique"
            ),
        ),
    ]
