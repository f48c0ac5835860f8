"""UserBlockChange now belongs to the maintenance app (label "maintenance").

State only: the table `licensing_userblockchange` and its rows stay. The maintenance app's
0001_initial adopts the model first, so the model is never missing from the project's state; then
this migration drops it from the licensing app's state and renames its content type row, so its
permissions and the admin history of its rows follow it.
"""

from django.db import migrations

MODEL = "userblockchange"


def _move_content_type(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    # A fresh database has no content types yet (they are made after migrate); one that already
    # has the target row keeps it.
    if not content_types.filter(app_label=target, model=MODEL).exists():
        content_types.filter(app_label=source, model=MODEL).update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "licensing", "maintenance")


def backwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "maintenance", "licensing")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("licensing", "0010_move_monitoring_models"),
        ("maintenance", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UserBlockChange")],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
