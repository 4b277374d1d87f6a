"""Top-level routes: the public portal under /, readers' pages under /account/, staff workspace under /manage/,
REST API under /api/, IIIF under /iiif/3/, the node-to-node replication protocol under /replication/, language switch, and /favicon.ico for browsers that ask for it before
reading the page's icon links."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from dangan.api import api
from dangan.outreach.views import oai as outreach_oai

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("dangan/img/favicon.ico"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("manage/", include("dangan.core.urls")),
    path("manage/", include("dangan.catalog.urls")),
    path("manage/", include("dangan.search.urls")),
    path("manage/", include("dangan.preservation.urls")),
    path("manage/", include("dangan.accession.urls")),
    path("manage/", include("dangan.digitization.urls")),
    path("manage/replication/", include("dangan.replication.urls.manage")),
    path("manage/conservation/", include("dangan.conservation.urls.manage")),
    path("manage/access/", include("dangan.access.urls.manage")),
    path("manage/outreach/", include("dangan.outreach.urls.manage")),
    path("manage/compilation/", include("dangan.compilation.urls")),
    path("account/", include("dangan.access.urls.account")),
    path("replication/", include("dangan.replication.urls.node")),
    path("iiif/3/text/", include("dangan.digitization.text_urls")),
    path("api/", api.urls),
    path("iiif/3/", include("dangan.preservation.iiif.urls")),
    path("iiif/3/", include("dangan.digitization.iiif.urls")),
    # OAI-PMH 2.0 (outreach, part oai).
    path("oai", outreach_oai.endpoint, name="oai"),
    # The outreach app's public pages (themes/,
    # exhibitions/, stories/, feeds/) come before the portal's.
    path("", include("dangan.outreach.urls.public")),
    # The portal last: its patterns (/search/, /units/…, /fonds/…) are the public face of the site.
    path("", include("dangan.access.urls.public")),
]
