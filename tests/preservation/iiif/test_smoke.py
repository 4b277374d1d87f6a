import pytest
from django.urls import reverse

from dangan.preservation.iiif import find_image, image_base_url, image_id
from dangan.preservation.iiif.building import head_images
from dangan.preservation.iiif.tasks import build_derivatives_task
from tests.helpers import client_for

from .conftest import decoded, encoded, quadrant_page

pytestmark = pytest.mark.django_db


def test_smoke(make_unit, preserve_images, archivist):
    unit = make_unit()
    package = preserve_images(unit, {"masters/0001.tif": encoded(quadrant_page(), "TIFF")})
    [file] = head_images(package)
    ident = image_id(file)
    assert find_image(ident) == file
    client = client_for(archivist)
    r = client.get(reverse("iiif:info", kwargs={"identifier": ident}))
    print(r.json())
    r = client.get(image_base_url(ident) + "/full/max/0/default.jpg")
    assert r.status_code == 200, r.content
    print(decoded(r.content).size)
    build_derivatives_task.enqueue(package.pk)
    r = client.get(reverse("iiif:info", kwargs={"identifier": ident}))
    print(r.json())
    r = client.get(image_base_url(ident) + "/0,0,512,512/256,/90/gray.png")
    assert r.status_code == 200, r.content
    print(decoded(r.content).size, decoded(r.content).mode)
