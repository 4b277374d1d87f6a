"""A reader's personal data across the parts: the copy of it gathers every part (requests, the reading room,
copies, the register), and erasure on request blanks what they wrote while the statistics keep their uses."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.access.actions.readers import do_erase_reader, do_register_walk_in, reader_data
from dangan.access.actions.requests import do_submit_request
from dangan.access.choices import Purpose, UseKind
from dangan.access.models import AccessRequest, UseRecord
from tests.access.readers_helpers import resident_id

pytestmark = pytest.mark.django_db


def test_the_copy_names_every_part_and_erasure_keeps_the_statistics(
    institution: Any, make_unit: Any, access_staff: Any
) -> None:
    opened = make_unit("已开放的布告", openness="open")
    profile, _password = do_register_walk_in(
        access_staff,
        username="erase-me",
        real_name="赵六",
        document_type="resident_id",
        document_number=resident_id("19600101"),
        phone="13600000000",
    )
    reader = profile.user
    do_submit_request(
        reader, units=[opened], purpose=Purpose.RIGHTS, purpose_detail="为证明本人 1998 年的工龄", description=""
    )
    data = reader_data(reader)
    assert {"account", "requests", "reading_room", "copies", "use_records"} <= set(data)
    assert any("工龄" in str(row) for row in data["requests"])

    do_erase_reader(access_staff, profile, reason="本人书面申请删除个人信息")
    request = AccessRequest.objects.get(reader=reader)
    assert request.purpose_detail == "" and request.description == ""
    # The register keeps the request as a use, without the reader.
    uses = UseRecord.objects.filter(kind=UseKind.REQUEST, unit=opened)
    assert uses.count() == 1 and uses.get().reader_id is None
