"""The disc register page (/manage/replication/discs/): the replication staff read it; the system administrator
records where a disc is kept, reads it back, records it lost and rebuilds the set from the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from dangan.replication.actions.discs import do_write_sets
from dangan.replication.models import Disc, DiscSet, Target
from dangan.replication.models.discs import DiscState
from dangan.replication.stores.registry import store_for
from tests.helpers import client_for
from tests.replication.test_discs import pieces_of

URL = "/manage/replication/discs/"


@pytest.fixture
def disc_set(tmp_path: Path) -> DiscSet:
    target = Target.objects.create(
        name="taiyuan-discs",
        kind="discs",
        medium="optical",
        location=str(tmp_path / "discs"),
        options={"capacity_bytes": 3 * 1024 * 1024},
    )
    store = store_for(target)
    for i in range(5):
        data = os.urandom(400_000)
        store.put(f"content/{i:064x}", len(data), pieces_of(data))
    (made,) = do_write_sets(CONSOLE, target)
    return made


@pytest.mark.django_db
def test_the_register_lists_every_disc_for_the_replication_staff(disc_set: DiscSet) -> None:
    for role in (Role.SYSTEM_ADMIN, Role.ARCHIVIST):
        page = client_for(role).get(URL)
        assert page.status_code == 200
        text = page.content.decode()
        assert all(disc.label in text for disc in disc_set.discs.all())
        assert ("登记位置" in text) == (role == Role.SYSTEM_ADMIN)
    for role in (Role.ACCESS_STAFF, Role.SECURITY_AUDITOR, Role.READER):
        assert client_for(role).get(URL).status_code == 403
    assert client_for(None).get(URL).status_code == 302


@pytest.mark.django_db
def test_the_system_administrator_keeps_the_register_from_the_page(disc_set: DiscSet) -> None:
    admin = client_for(Role.SYSTEM_ADMIN)
    disc = disc_set.discs.get(number=1)
    action = f"{URL}{disc.label}/"
    answer = admin.post(action, {"operation": "locate", "location": "山西省档案馆 · 2号库房"}, follow=True)
    assert "已登记光盘" in answer.content.decode()
    assert Disc.objects.get(pk=disc.pk).location == "山西省档案馆 · 2号库房"
    answer = admin.post(action, {"operation": "verify"}, follow=True)
    assert "回读完好" in answer.content.decode()
    Path(disc.image_path).unlink()
    admin.post(action, {"operation": "lost"})
    assert Disc.objects.get(pk=disc.pk).state == DiscState.LOST
    answer = admin.post(f"{URL}sets/{disc_set.label}/rebuild", follow=True)
    assert "已重建光盘映像" in answer.content.decode() and Path(disc.image_path).is_file()
    assert client_for(Role.ARCHIVIST).post(action, {"operation": "lost"}).status_code == 403


@pytest.mark.django_db
def test_the_start_page_links_to_the_register() -> None:
    assert URL in client_for(Role.ARCHIVIST).get("/manage/replication/").content.decode()
