"""`Warning` shadowed Python's built-in: the model is `LicenseWarning` now, its table stays
`licensing_warning` (state only).

The content types of the moved models follow them to this app (and `warning` becomes
`licensewarning`, its permissions with it), so permissions, groups and the admin's history stay
attached. A fresh database has no content types yet: nothing to move.
"""

from django.db import migrations

# Old model name in `licensing`: new model name in `monitoring`.
MOVED = {
    "usagesnapshot": "usagesnapshot",
    "refreshrun": "refreshrun",
    "refreshbatch": "refreshbatch",
    "signal": "signal",
    "warning": "licensewarning",
    "outboxemail": "outboxemail",
    "customerrefresh": "customerrefresh",
}


def _move(apps, schema_editor, *, source: str, target: str, names: dict[str, str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for old, new in names.items():
        content_type = ContentType.objects.using(db).filter(app_label=source, model=old).first()
        if content_type is None:
            continue
        # Left by a post_migrate that ran between the two steps: created empty, give way to the real one.
        ContentType.objects.using(db).filter(app_label=target, model=new).delete()
        content_type.app_label, content_type.model = target, new
        content_type.save(update_fields=["app_label", "model"])
        if old != new:
            for permission in Permission.objects.using(db).filter(
                content_type=content_type, codename__endswith=f"_{old}"
            ):
                permission.codename = permission.codename.removesuffix(old) + new
                permission.save(update_fields=["codename"])


def move_content_types(apps, schema_editor):
    _move(apps, schema_editor, source="licensing", target="monitoring", names=MOVED)


def move_content_types_back(apps, schema_editor):
    _move(apps, schema_editor, source="monitoring", target="licensing", names={v: k for k, v in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("licensing", "0010_move_monitoring_models"),
        ("monitoring", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RenameModel(old_name="Warning", new_name="LicenseWarning")],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
