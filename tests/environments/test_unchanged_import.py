"""An import whose content digest is the environment's last import's writes only taken_at: the command and
the API's PUT take the same path, and the snapshot still counts for staleness."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from environments import services
from environments.models import CustomerInputs, Environment, EnvironmentUser
from environments.snapshot_digest import content_digest
from environments.snapshot_messages import StaleSnapshot
from tests.environments.test_import_snapshot import snapshot_data
from tests.factories import CustomerFactory, EnvironmentFactory

pytestmark = pytest.mark.django_db

DAY_1 = "2026-11-27T00:45:00+01:00"
DAY_2 = "2026-11-28T00:45:00+01:00"


def as_bytes(data: dict, **dump) -> bytes:
    return json.dumps(data, **dump).encode()


def load(data: bytes):
    return services.load_snapshot(io.BytesIO(data), source_name="O12345AA.json")


def import_bytes(data: bytes):
    (result,) = services.import_snapshots(snapshots=[load(data)])
    return result


def user_rows():
    return list(EnvironmentUser.objects.order_by("id").values_list("id", "code", "blocked"))


def version(customer) -> int:
    return CustomerInputs.objects.get(customer=customer).version


@pytest.fixture
def environment():
    customer = CustomerFactory(number="12345")
    environment = EnvironmentFactory(customer=customer, code="O12345AA", type="O")
    import_bytes(as_bytes(snapshot_data(taken_at=DAY_1)))
    return environment


def test_the_digest_leaves_out_taken_at_and_nothing_else():
    day_1 = as_bytes(snapshot_data(taken_at=DAY_1))
    assert content_digest(day_1) == content_digest(as_bytes(snapshot_data(taken_at=DAY_2)))
    assert content_digest(day_1) != content_digest(as_bytes(snapshot_data(taken_at=DAY_1), indent=1))
    changed = snapshot_data(taken_at=DAY_1)
    changed["users"][0]["insite"] = False
    assert content_digest(day_1) != content_digest(as_bytes(changed))
    assert content_digest(b'{"format": 1}') == ""


def test_the_same_content_writes_only_taken_at(environment, django_assert_num_queries):
    rows = user_rows()
    before = version(environment.customer)
    snapshot = load(as_bytes(snapshot_data(taken_at=DAY_2)))
    assert snapshot.unchanged and snapshot.users == ()

    # A savepoint, the environment locked and its row written, what it holds counted for the answer
    # (four tables): no data is rewritten.
    with django_assert_num_queries(8):
        (result,) = services.import_snapshots(snapshots=[snapshot])

    environment.refresh_from_db()
    assert environment.data_taken_at.isoformat() == "2026-11-27T23:45:00+00:00"
    assert user_rows() == rows
    assert (result.users, result.employees, result.declarations, result.clients) == (5, 3, 2, 1)
    assert version(environment.customer) == before  # its count's inputs did not change


def test_changed_content_is_imported_in_full_and_marks_the_customer(environment):
    before = version(environment.customer)
    changed = snapshot_data(taken_at=DAY_2)
    changed["users"][1]["blocked"] = True

    assert not load(as_bytes(changed)).unchanged
    import_bytes(as_bytes(changed))

    assert EnvironmentUser.objects.get(code="12345.deboer").blocked
    assert version(environment.customer) == before + 1
    assert Environment.objects.get().data_digest == content_digest(as_bytes(changed))


def test_a_block_in_the_portal_makes_the_next_import_a_full_one(environment):
    user = EnvironmentUser.objects.get(code="12345.deboer")
    services.environment_users_set_blocked(
        customer_id=environment.customer_id, identity_id=user.identity_id, blocked=True
    )
    assert Environment.objects.get().data_digest == ""

    result = import_bytes(as_bytes(snapshot_data(taken_at=DAY_2)))

    # The environment's own data is the truth again: the snapshot says not blocked.
    assert not EnvironmentUser.objects.get(code="12345.deboer").blocked
    assert result.users == 5


def test_an_unchanged_snapshot_still_has_its_taken_at_checked(environment):
    with pytest.raises(StaleSnapshot, match="older than the data it would replace"):
        import_bytes(as_bytes(snapshot_data(taken_at="2026-11-26T00:45:00+01:00")))
    with pytest.raises(services.SnapshotError, match="taken_at: expected"):
        load(as_bytes(snapshot_data(taken_at="gisteren")))


def test_an_import_between_reading_and_locking_refuses_the_unchanged_one(environment):
    unchanged = load(as_bytes(snapshot_data(taken_at=DAY_2)))
    changed = snapshot_data(taken_at=DAY_2)
    changed["users"].pop()
    import_bytes(as_bytes(changed))
    rows = user_rows()

    with pytest.raises(StaleSnapshot, match="changed while this snapshot was read"):
        services.import_snapshots(snapshots=[unchanged])

    assert user_rows() == rows


def test_the_command_reports_what_the_environment_holds(environment, tmp_path):
    path = tmp_path / "O12345AA.json"
    path.write_bytes(as_bytes(snapshot_data(taken_at=DAY_2)))
    out = io.StringIO()

    call_command("import_snapshot", str(path), stdout=out)

    assert "5 users, 3 employees, 2 declarations, 1 clients" in out.getvalue()
    assert Environment.objects.get().data_taken_at.day == 27


def test_the_command_refuses_a_stale_unchanged_file_and_changes_nothing(environment, tmp_path):
    path = tmp_path / "O12345AA.json"
    path.write_bytes(as_bytes(snapshot_data(taken_at="2026-11-20T00:45:00+01:00")))

    with pytest.raises(CommandError):
        call_command("import_snapshot", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    assert Environment.objects.get().data_taken_at.day == 26
