"""The REST API (django-ninja): one NinjaAPI that mounts each app's router. OpenAPI at /api/docs."""

from ninja import NinjaAPI

from dangan import __version__
from dangan.access.api import router as access_router
from dangan.accession.api import router as accession_router
from dangan.catalog.api import router as catalog_router
from dangan.compilation.api import router as compilation_router
from dangan.conservation.api import router as conservation_router
from dangan.core.api import TokenOrSessionAuth, install_error_handlers
from dangan.core.api import router as core_router
from dangan.digitization.api import router as digitization_router
from dangan.digitization.api_text import router as digitization_text_router
from dangan.outreach.api import router as outreach_router
from dangan.preservation.api import router as preservation_router
from dangan.replication.api import router as replication_router
from dangan.search.api import router as search_router

api = NinjaAPI(
    title="dangan API",
    version=__version__,
    description="档案管理系统 REST API. Authenticate with `Authorization: Bearer <token>` (tokens: /manage/tokens/).",
    auth=TokenOrSessionAuth(),
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/", catalog_router)
api.add_router("/", search_router)
api.add_router("/", accession_router)
api.add_router("/", preservation_router)
api.add_router("/", digitization_router)
api.add_router("/", digitization_text_router)
api.add_router("/", replication_router)
api.add_router("/", conservation_router)
api.add_router("/", access_router)
api.add_router("/", outreach_router)
api.add_router("/", compilation_router)
install_error_handlers(api)
