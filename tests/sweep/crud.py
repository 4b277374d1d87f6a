"""Generic create/read/update tests for an object with workspace pages and API endpoints (after NetBox's
``ViewTestCases``): an app's test class inherits one, sets the class attributes, and gets the tests::

    class TestAuthorityPages(CrudPages):
        model = Authority
        urls = {"list": "catalog:authority_list", "create": "catalog:authority_create", …}
        valid = {"kind": "person", "name": "王家烈"}
        …

Each create and change must go through its action (an audit entry with the registered action name); invalid input
is refused with a Chinese message and writes nothing; roles without the capability are refused and change nothing.
The role sweep (tests/sweep) covers every role on every route; these cover what a form or a payload does.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest
from django.db.models import Model
from django.urls import reverse

from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import client_for

CHINESE = re.compile(r"[\u4e00-\u9fff]")


class CrudBase:
    model: ClassVar[type[Model]]
    lookup: ClassVar[str] = "uuid"  # the field that names one object in its URLs
    valid: ClassVar[dict[str, Any]]  # input that creates an object
    shown: ClassVar[str]  # text the created object shows in its list and on its page
    invalid: ClassVar[dict[str, Any]]  # input refused …
    invalid_field: ClassVar[str]  # … with a Chinese message on this field
    change: ClassVar[dict[str, Any]]  # input that changes the object …
    changed: ClassVar[dict[str, Any]]  # … to these attribute values
    audit: ClassVar[tuple[str, str]]  # the audit actions of a create and of a change
    editor: ClassVar[tuple[str, str]] = (Role.ARCHIVIST, SecurityClassification.PUBLIC)
    refused: ClassVar[tuple[str, ...]] = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR)

    @pytest.fixture(autouse=True)
    def _database(self, db: Any) -> None:
        """Every test uses the database; a subclass adds what its object needs with an autouse fixture."""

    def count(self) -> int:
        return self.model._default_manager.count()

    def latest(self) -> Model:
        return self.model._default_manager.order_by("-pk").first()  # type: ignore[return-value]

    def logged(self, action: str, obj: Model) -> bool:
        names = {str(obj.pk), str(getattr(obj, self.lookup)), str(getattr(obj, "uuid", obj.pk))}
        return AuditEntry.objects.filter(action=action, object_id__in=names).exists()

    def assert_changed(self, obj: Model) -> None:
        obj.refresh_from_db()
        for field, value in self.changed.items():
            assert getattr(obj, field) == value, (field, getattr(obj, field))


class CrudPages(CrudBase):
    """The workspace pages: ``urls`` names "list", "create", "detail" and (optionally) "edit"; the detail and edit
    URLs take the object's ``lookup`` field as their keyword ``url_kwarg``; ``create_kwargs`` fill the create URL."""

    urls: ClassVar[dict[str, str]]
    url_kwarg: ClassVar[str] = "uuid"
    create_kwargs: ClassVar[dict[str, Any]] = {}

    def url(self, name: str, obj: Model | None = None) -> str:
        if obj is not None:
            return reverse(self.urls[name], kwargs={self.url_kwarg: getattr(obj, self.lookup)})
        return reverse(self.urls[name], kwargs=self.create_kwargs if name == "create" else None)

    def create(self) -> Model:
        before = self.count()
        response = client_for(*self.editor).post(self.url("create"), self.valid)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert self.count() == before + 1
        return self.latest()

    def test_a_created_object_is_listed_shown_and_logged(self) -> None:
        obj = self.create()
        editor = client_for(*self.editor)
        assert self.shown in editor.get(self.url("list")).content.decode()
        assert self.shown in editor.get(self.url("detail", obj)).content.decode()
        assert self.logged(self.audit[0], obj)

    def test_invalid_input_is_refused_in_chinese_and_writes_nothing(self) -> None:
        before = self.count()
        response = client_for(*self.editor).post(self.url("create"), self.invalid)
        assert response.status_code == 400
        html = response.content.decode()
        error = re.search(rf'id="id_{self.invalid_field}_error"[^>]*>(.*?)</', html, re.DOTALL)
        assert error and CHINESE.search(error.group(1)), f"no Chinese error on {self.invalid_field}"
        assert self.count() == before

    def test_an_edit_changes_the_object_and_is_logged(self) -> None:
        if "edit" not in self.urls:
            pytest.skip(f"{self.model.__name__} has no edit page")
        obj = self.create()
        response = client_for(*self.editor).post(self.url("edit", obj), {**self.valid, **self.change})
        assert response.status_code == 302, response.content.decode()[:2000]
        self.assert_changed(obj)
        assert self.logged(self.audit[1], obj)

    def test_roles_that_may_not_change_are_refused_and_change_nothing(self) -> None:
        obj = self.create()
        before = self.count()
        for role in self.refused:
            client = client_for(role)
            assert client.post(self.url("create"), self.valid).status_code == 403, role
            if "edit" in self.urls:
                assert client.post(self.url("edit", obj), {**self.valid, **self.change}).status_code == 403, role
        assert self.count() == before
        assert not AuditEntry.objects.filter(action=self.audit[1]).exists()


class CrudApi(CrudBase):
    """The API: ``collection`` ("/api/authorities") lists (GET) and creates (POST, 201); ``item`` (with
    ``{key}`` for the object's ``lookup`` value) reads (GET) and changes (PATCH)."""

    collection: ClassVar[str]
    item: ClassVar[str]

    def item_url(self, obj: Model) -> str:
        return self.item.format(key=getattr(obj, self.lookup))

    def create(self) -> Model:
        response = client_for(*self.editor).post(self.collection, self.valid, content_type="application/json")
        assert response.status_code == 201, response.content.decode()[:2000]
        return self.latest()

    def test_post_get_list_patch(self) -> None:
        obj = self.create()
        editor = client_for(*self.editor)
        assert self.logged(self.audit[0], obj)
        assert self.shown in json.dumps(editor.get(self.collection).json(), ensure_ascii=False)
        assert editor.get(self.item_url(obj)).status_code == 200
        response = editor.patch(self.item_url(obj), self.change, content_type="application/json")
        assert response.status_code == 200, response.content.decode()[:2000]
        self.assert_changed(obj)
        assert self.logged(self.audit[1], obj)

    def test_invalid_input_is_422_in_chinese_and_writes_nothing(self) -> None:
        before = self.count()
        response = client_for(*self.editor).post(self.collection, self.invalid, content_type="application/json")
        assert response.status_code == 422, response.content.decode()
        body = response.json()
        # On the field when the check knows it; in "detail" when the action's rule names no field.
        message = body["errors"].get(self.invalid_field) or body["detail"]
        assert CHINESE.search(str(message)), body
        assert self.count() == before

    def test_roles_that_may_not_change_get_403_and_change_nothing(self) -> None:
        obj = self.create()
        before = self.count()
        for role in self.refused:
            client = client_for(role)
            assert client.post(self.collection, self.valid, content_type="application/json").status_code == 403
            patched = client.patch(self.item_url(obj), self.change, content_type="application/json")
            assert patched.status_code == 403, role
        assert self.count() == before
        assert not AuditEntry.objects.filter(action=self.audit[1]).exists()

    def test_an_unknown_object_is_404(self) -> None:
        unknown = self.item.format(key="00000000-0000-0000-0000-000000000000" if self.lookup == "uuid" else "Z999")
        assert client_for(*self.editor).get(unknown).status_code == 404
