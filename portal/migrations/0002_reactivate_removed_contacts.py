"""Until now, removing a contact from its last customer deactivated its account. From now on only the
vendor switches accounts off, and an invitation never switches one on again; so the accounts switched
off that way become active again, keeping their password. Without a customer they still cannot log
in (portal.forms.LoginForm), and a Beheerder can invite them again as before.

Vendor staff and superusers are left alone, and so is every contact that still has a customer (the
portal never deactivated those: the vendor did).
"""

from django.conf import settings
from django.db import migrations


def reactivate_removed_contacts(apps, schema_editor):
    Contact = apps.get_model("portal", "Contact")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    removed = Contact.objects.filter(memberships__isnull=True).values("user_id")
    User.objects.filter(pk__in=removed, is_active=False, is_staff=False, is_superuser=False).update(
        is_active=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(reactivate_removed_contacts, migrations.RunPython.noop, elidable=True),
    ]
