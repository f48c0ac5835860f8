"""The tables the recount benchmark's SQL is written against, and the formatter that names them.

Every statement of the bench is a template with `{customer}`, `{user}`, ... in place of table names,
filled in by `sql()` from the models, so a renamed table cannot leave the bench behind.
"""

from django.contrib.auth import get_user_model

from environments.models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from licensing.models import License, LicenseLine
from licensing.monitoring.models import CustomerRefresh, LicenseWarning, OutboxEmail, UsageSnapshot
from portal.models import Contact, Customer, Membership

TABLES = {
    "customer": Customer._meta.db_table,
    "environment": Environment._meta.db_table,
    "identity": UserIdentity._meta.db_table,
    "user": EnvironmentUser._meta.db_table,
    "employee": Employee._meta.db_table,
    "declaration": Declaration._meta.db_table,
    "client": Client._meta.db_table,
    "license": License._meta.db_table,
    "line": LicenseLine._meta.db_table,
    "auth_user": get_user_model()._meta.db_table,
    "contact": Contact._meta.db_table,
    "membership": Membership._meta.db_table,
    "snapshot": UsageSnapshot._meta.db_table,
    "warning": LicenseWarning._meta.db_table,
}
# The tables the recount and the nightly job write to every night (every license's counted_at, the
# lines that changed, the day's snapshots, warnings, e-mails and per-customer run records).
BOOKKEEPING_TABLES = (
    License._meta.db_table,
    LicenseLine._meta.db_table,
    UsageSnapshot._meta.db_table,
    LicenseWarning._meta.db_table,
    OutboxEmail._meta.db_table,
    CustomerRefresh._meta.db_table,
)


def sql(template: str, **names: str) -> str:
    return template.format(**TABLES, **names)
