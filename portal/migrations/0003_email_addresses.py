"""The login moves to django-allauth, which knows an account's addresses by its EmailAddress rows: every
account with an e-mail address gets its address as the primary one, verified (accounts come by invitation,
which reached that address). Passwords, usernames and everything else stay as they are, so every contact
logs in as before. An address is stored in lower case, on the account too, as allauth compares them.

An address two accounts share is verified for the first account only (allauth holds a verified address
once); an account that already has EmailAddress rows is left alone.
"""

from django.conf import settings
from django.db import migrations


def record_email_addresses(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    verified = set(EmailAddress.objects.filter(verified=True).values_list("email", flat=True))
    has_rows = set(EmailAddress.objects.values_list("user_id", flat=True).distinct())
    new = []
    for user in User.objects.exclude(email="").order_by("pk").iterator():
        email = user.email.strip().lower()
        if user.pk in has_rows or not email:
            continue
        if user.email != email:
            User.objects.filter(pk=user.pk).update(email=email)
        new.append(EmailAddress(user_id=user.pk, email=email, primary=True, verified=email not in verified))
        verified.add(email)
    EmailAddress.objects.bulk_create(new, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_reactivate_removed_contacts"),
        ("account", "0009_emailaddress_unique_primary_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(record_email_addresses, migrations.RunPython.noop, elidable=True),
    ]
