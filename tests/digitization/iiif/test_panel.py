"""The 数字化页面 section of the staff unit page: the viewer over the unit's manifest, only for a unit with pages
the person may see; the viewer's scripts are files (the CSP allows no inline script)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dangan.core.choices import Role
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_the_unit_page_shows_the_viewer_for_a_digitized_unit(
    digitized: Callable[..., Any], make_unit: Callable[..., Any], storage: Any
) -> None:
    unit = digitized()
    client = client_for(Role.ARCHIVIST)
    page = client.get(f"/manage/units/{unit.uuid}/").content.decode()
    assert f'data-manifest="/iiif/3/manifests/{unit.uuid}"' in page
    assert "/static/vendor/openseadragon/openseadragon.min.js" in page
    assert "/static/digitization/viewer.js" in page
    assert "共 2 页" in page
    for path in ("vendor/openseadragon/openseadragon.min.js", "digitization/viewer.js", "digitization/viewer.css"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
    plain = client.get(f"/manage/units/{make_unit().uuid}/").content.decode()
    assert "data-iiif-viewer" not in plain
