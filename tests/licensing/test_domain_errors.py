"""Every refusal of every app is a DomainError with a user-facing message (and details where given)."""

import pytest

from environments.snapshots import SnapshotError
from licensing.analysis.delivery import AnalysisRefused
from licensing.maintenance.services import NothingChanged, WouldExceedLicense
from licensing.monitoring.services import MonitoringError
from licensing.services import (
    AboveCap,
    BelowInUse,
    DeviationNotAcknowledged,
    LicenseError,
    QuantityOutOfRange,
)
from portal.errors import DomainError
from portal.services import ContactError

REFUSALS = [
    ContactError,
    LicenseError,
    DeviationNotAcknowledged,
    BelowInUse,
    QuantityOutOfRange,
    AboveCap,
    MonitoringError,
    NothingChanged,
    WouldExceedLicense,
    AnalysisRefused,
    SnapshotError,
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda cls: cls.__name__)
def test_every_refusal_is_a_domain_error_with_its_message(refusal):
    error = refusal("Er is niets gewijzigd.")

    assert isinstance(error, DomainError)
    assert error.message == "Er is niets gewijzigd."
    assert str(error) == "Er is niets gewijzigd."


@pytest.mark.parametrize(
    "refusal", [cls for cls in REFUSALS if cls is not SnapshotError], ids=lambda cls: cls.__name__
)
def test_no_refusal_copies_the_base_init(refusal):
    below_the_base = refusal.__mro__[: refusal.__mro__.index(DomainError)]

    assert [cls for cls in below_the_base if "__init__" in vars(cls)] == []


def test_snapshot_error_keeps_its_problems_as_details():
    error = SnapshotError.from_errors(["eerste", "tweede"])

    assert error.details["errors"] == ["eerste", "tweede"] == error.errors
    assert error.message == "eerste\ntweede"
