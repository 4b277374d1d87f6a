"""Staff pages under /manage/replication/ (namespace ``replication``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.replication.views import audits, discs, drills, partners, repair, targets, transfers

app_name = "replication"
urlpatterns: list[URLPattern] = [
    *partners.manage_urls,
    *targets.manage_urls,
    *transfers.manage_urls,
    *discs.manage_urls,
    *audits.manage_urls,
    *repair.manage_urls,
    *drills.manage_urls,
]
