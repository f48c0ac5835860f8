"""UserBlockChange moves here from the licensing app: the model's state only.

Its table `licensing_userblockchange` (rows, indexes, constraints) stays as it is. This migration
adopts the model; licensing's 0011_move_user_block_change then drops it from licensing's state and
moves its content type row (so permissions and admin history follow).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("environments", "0001_initial"),
        ("portal", "0001_initial"),
        # The table was created by this migration of the licensing app.
        ("licensing", "0004_user_block"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UserBlockChange",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("by", models.CharField(max_length=254, verbose_name="door")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="tijdstip"),
                        ),
                        ("user_code", models.CharField(max_length=150, verbose_name="gebruikerscode")),
                        ("environments", models.JSONField(default=list, verbose_name="omgevingen")),
                        ("all_environments", models.BooleanField(default=False, verbose_name="in alle omgevingen")),
                        ("blocked", models.BooleanField(verbose_name="geblokkeerd")),
                        (
                            "contact",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="portal.contact",
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="user_block_changes",
                                to="portal.customer",
                            ),
                        ),
                        (
                            "identity",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="environments.useridentity",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "licensing_userblockchange",
                        "verbose_name": "blokkering van een gebruiker",
                        "verbose_name_plural": "blokkeringen van gebruikers",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["customer", "-created_at"], name="userblock_customer_recent")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
