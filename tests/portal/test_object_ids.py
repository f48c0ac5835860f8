"""Every access function reads an id from a URL or a form through `as_id`: a number no column can hold
names nothing (404), on SQLite too, where such a parameter raised OverflowError (a 500)."""

import pytest
from django.urls import reverse

from portal.selectors import MAX_ID, as_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (42, 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-3", None),
        ("9" * 5000, None),
        ("abc", None),
        ("", None),
        (None, None),
        ("1.5", None),
    ],
)
def test_it_reads_only_ids_a_column_can_hold(value, expected):
    assert as_id(value) == expected


@pytest.mark.parametrize("name", ["licensing:maintenance_user", "licensing:user_block", "portal:change_role"])
def test_an_id_beyond_any_column_is_a_404(client, beheerder, name):
    client.force_login(beheerder.user)
    method = client.get if name == "licensing:maintenance_user" else client.post
    assert method(reverse(name, args=[MAX_ID + 1])).status_code == 404
