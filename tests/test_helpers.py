"""The shared test helpers: ``account`` and ``client_for`` (tests/helpers.py)."""

from __future__ import annotations

import pytest

from dangan.core.choices import Role, SecurityClassification
from tests.helpers import account, client_for

pytestmark = pytest.mark.django_db


def test_client_for_a_role_signs_in_an_account_of_that_role_and_clearance() -> None:
    me = client_for(Role.ARCHIVIST, SecurityClassification.SECRET).get("/api/me").json()
    assert (me["role"], me["clearance"], me["username"]) == ("archivist", "secret", "archivist-secret")
    me = client_for("security_auditor").get("/api/me").json()
    assert (me["role"], me["clearance"]) == ("security_auditor", "public")


def test_client_for_a_user_or_nobody() -> None:
    user = account(Role.SYSTEM_ADMIN, username="admin")
    assert client_for(user).get("/api/me").json()["username"] == "admin"
    assert client_for(None).get("/api/me").status_code == 401


def test_the_same_account_for_the_same_arguments() -> None:
    assert account(Role.ARCHIVIST) == account(Role.ARCHIVIST)
    assert account(Role.ARCHIVIST).check_password("correct-horse-battery")
    account(Role.ARCHIVIST, username="x")
    with pytest.raises(ValueError):
        account(Role.SECURITY_ADMIN, username="x")  # another role under a name already taken
    with pytest.raises(ValueError):
        account("superuser")
