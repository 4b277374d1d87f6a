"""Create, read and change fonds and authority records through the pages and the API, with the generic CRUD tests
(tests/sweep/crud.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.catalog.models import Authority, Fonds
from tests.sweep.crud import CrudApi, CrudPages


class AuthorityCrud:
    model = Authority
    valid = {"kind": "person", "name": "王家烈", "variant_names": "王绍武", "dates": "1893—1966"}
    shown = "王家烈"
    invalid = {"kind": "person", "name": ""}
    invalid_field = "name"
    change = {"dates": "1893-1966"}
    changed = {"dates": "1893-1966", "name": "王家烈"}
    audit = ("catalog.authority.create", "catalog.authority.update")


class TestAuthorityPages(AuthorityCrud, CrudPages):
    urls = {
        "list": "catalog:authority_list",
        "create": "catalog:authority_create",
        "detail": "catalog:authority_detail",
        "edit": "catalog:authority_edit",
    }


class TestAuthorityApi(AuthorityCrud, CrudApi):
    valid = {"kind": "person", "name": "王家烈", "variant_names": ["王绍武"], "dates": "1893—1966"}
    collection = "/api/authorities"
    item = "/api/authorities/{key}"


class FondsCrud:
    model = Fonds
    lookup = "code"
    valid = {"code": "X013", "name": "贵州省民政厅", "creator": "贵州省民政厅", "arrangement": "year-org-retention"}
    shown = "贵州省民政厅"
    invalid = {"code": "X 013!", "name": "贵州省民政厅", "arrangement": "year-org-retention"}
    invalid_field = "code"
    change = {"history": "1949 年设立。"}
    changed = {"history": "1949 年设立。"}
    audit = ("catalog.fonds.create", "catalog.fonds.update")

    @pytest.fixture(autouse=True)
    def _institution(self, institution: Any, categories: Any) -> None:
        """A fonds belongs to the institution."""


class TestFondsPages(FondsCrud, CrudPages):
    urls = {
        "list": "catalog:fonds_list",
        "create": "catalog:fonds_list",
        "detail": "catalog:fonds_detail",
        "edit": "catalog:fonds_edit",
    }
    url_kwarg = "code"


class TestFondsApi(FondsCrud, CrudApi):
    collection = "/api/fonds"
    item = "/api/fonds/{key}"
