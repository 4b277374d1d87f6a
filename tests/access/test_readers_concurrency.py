"""Readers' accounts changed by several people at once, with real threads and database connections (run on
PostgreSQL too): one account per document even when two registrations race, and one verification of a reader."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dangan.access.actions.readers import do_verify_reader
from dangan.access.models import ReaderProfile, ReaderStatus
from dangan.core.choices import Role
from dangan.core.models import AuditEntry
from dangan.utilities.concurrency import EditConflict
from tests.access.readers_helpers import resident_id, self_registered
from tests.helpers import account, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_registrations_of_one_document_make_one_account():
    number = resident_id()
    results = run_together(
        [
            lambda: self_registered(document_number=number, username="first-reader", phone="13900000021"),
            lambda: self_registered(document_number=number, username="second-reader", phone="13900000022"),
        ]
    )
    made = [r for r in results if isinstance(r, ReaderProfile)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "document_number" in refused[0].message_dict
    assert ReaderProfile.objects.filter(document_number=number).count() == 1
    assert AuditEntry.objects.filter(action="access.readers.register").count() == 1


def test_two_desks_verifying_one_reader_verify_once():
    profile = self_registered()
    desks = [account(Role.ACCESS_STAFF, username=f"desk-{n}") for n in (1, 2)]
    results = run_together(
        [
            lambda desk=desk: do_verify_reader(desk, profile, document_checked=True, version=profile.version)
            for desk in desks
        ]
    )
    assert sum(isinstance(r, ReaderProfile) for r in results) == 1, results
    assert sum(isinstance(r, EditConflict | ValidationError) for r in results) == 1, results
    profile.refresh_from_db()
    assert profile.status == ReaderStatus.VERIFIED and profile.version == 2
    assert AuditEntry.objects.filter(action="access.readers.verify").count() == 1
