"""The built-in signal every customer has (no customer of its own), created here once.

`licensing` 0003 created it as well in databases made before the move: get_or_create leaves that one.
Reads never create it; the nightly job and seed_demo call `ensure_builtin_signal` should it be gone.
"""

from django.db import migrations

from licensing.monitoring.services import BUILTIN_SIGNAL_ITEM, BUILTIN_SIGNAL_NAME, BUILTIN_SIGNAL_THRESHOLD


def create_builtin_signal(apps, schema_editor):
    Signal = apps.get_model("monitoring", "Signal")
    Signal.objects.using(schema_editor.connection.alias).get_or_create(
        is_builtin=True,
        defaults={
            "name": BUILTIN_SIGNAL_NAME,
            "item": str(BUILTIN_SIGNAL_ITEM),
            "scope": "",
            "threshold": BUILTIN_SIGNAL_THRESHOLD,
        },
    )


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0002_rename_warning_licensewarning"),
    ]

    operations = [
        migrations.RunPython(create_builtin_signal, migrations.RunPython.noop),
    ]
