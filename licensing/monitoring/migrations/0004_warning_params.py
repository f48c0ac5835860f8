"""A warning stores its kind and parameters instead of a sentence frozen in Dutch.

The existing rows get their parameters from what each row already holds (its line, environment,
signal and numbers); what only the Dutch sentence held is read from it: when a stale environment's
data was taken, and a signal's available count and threshold at the time. The built-in signal gets
its new name (pages show it translated from the message id).
"""

import re
from datetime import datetime

from django.db import migrations, models
from django.utils import timezone

BUILTIN_SIGNAL_NAME = "Bijna geen Profit-gebruikers meer beschikbaar (per omgevingstype)"
STALE_TAKEN = re.compile(r"zijn van (\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}), ouder dan (\d+) uur")
SIGNAL_NUMBERS = re.compile(r"nog (\d+) beschikbaar \(drempel (\d+)\)")
BATCH = 1000


def _stale_params(warning) -> dict:
    found = STALE_TAKEN.search(warning.message)
    taken_at, hours = None, 36
    if found:
        day, month, year, hour, minute, hours = (int(part) for part in found.groups())
        taken_at = timezone.make_aware(datetime(year, month, day, hour, minute)).isoformat()
    elif warning.environment.data_taken_at is not None and "nog nooit" not in warning.message:
        taken_at = warning.environment.data_taken_at.isoformat()
    return {"code": warning.environment.code, "taken_at": taken_at, "hours": hours}


def _params(warning) -> dict:
    if warning.kind == "stale_data" and warning.environment is not None:
        return _stale_params(warning)
    if warning.line is None:
        return {}
    line = {"item": warning.line.item, "scope": warning.line.scope}
    maximum = warning.maximum if warning.maximum is not None else warning.line.maximum
    if warning.kind == "deviation":
        portal = warning.portal if warning.portal is not None else warning.line.portal
        return {**line, "portal": portal, "maximum": maximum}
    in_use = warning.in_use if warning.in_use is not None else warning.line.in_use
    if warning.kind == "over_use":
        return {**line, "in_use": in_use, "maximum": maximum}
    if warning.kind == "signal" and warning.signal is not None:
        found = SIGNAL_NUMBERS.search(warning.message)
        available, threshold = (
            (int(found.group(1)), int(found.group(2)))
            if found
            else (max(maximum - in_use, 0), warning.signal.threshold)
        )
        return {
            **line,
            "signal": warning.signal.name,
            "builtin": warning.signal.is_builtin,
            "available": available,
            "threshold": threshold,
        }
    return {}


def messages_to_params(apps, schema_editor):
    alias = schema_editor.connection.alias
    LicenseWarning = apps.get_model("monitoring", "LicenseWarning")
    Signal = apps.get_model("monitoring", "Signal")
    Signal.objects.using(alias).filter(is_builtin=True).update(name=BUILTIN_SIGNAL_NAME)
    batch = []
    for warning in (
        LicenseWarning.objects.using(alias)
        .select_related("line", "environment", "signal")
        .order_by("id")
        .iterator(chunk_size=BATCH)
    ):
        warning.params = _params(warning)
        batch.append(warning)
        if len(batch) == BATCH:
            LicenseWarning.objects.using(alias).bulk_update(batch, ["params"])
            batch = []
    LicenseWarning.objects.using(alias).bulk_update(batch, ["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_builtin_signal"),
        ("environments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="licensewarning",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="gegevens"),
        ),
        migrations.RunPython(messages_to_params, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="licensewarning", name="message"),
    ]
