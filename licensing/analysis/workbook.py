"""The license analysis: an .xlsx workbook streamed from the database.

The workbook is written with openpyxl in write-only mode: rows go straight to the file, so memory
does not grow with the number of users. Everything per user is aggregated in SQL (one GROUP BY
over the normalised identity, one small bit mask per environment) and read with a server-side
cursor in chunks; the number of queries does not depend on the number of users either.

Only active environments get a column on "Gebruikers" and "Medewerkers", because only they count (and
on "Gebruikers" only those that report users: a streamed sheet leaves out its empty columns too);
decommissioned environments are listed on "Omgevingen" with "Actief: nee".
"""

from datetime import date, datetime
from typing import BinaryIO

from django.db.models import Case, Count, Exists, IntegerField, Max, Min, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from environments.models import Client, Declaration, Employee, Environment, EnvironmentUser
from environments.selectors import ACCESS_LETTERS, IN_SERVICE, TYPE_ORDER, mask_counts, mask_per_environment
from environments.summary import ACCESS_FLAGS, BLOCKED, COWORKER, INSITE, OUTSITE, PRESENT, PROFIT, user_mask
from environments.vocabulary import COUNTABLE_USER, EnvironmentType, UserKind
from licensing.licentiedata import license_report
from portal.models import Customer

from .sheets import Sheet, filled, without_empty_columns

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows fetched per round trip; peak memory is about two chunks, whatever the number of users.
CHUNK_SIZE = 500

PRODUCT_NAMES = {"profit": "Profit", "insite": "InSite", "outsite": "OutSite"}


def analysis_filename(customer: Customer, on: date | None = None) -> str:
    return f"licentieanalyse-{customer.number}-{(on or timezone.localdate()).isoformat()}.xlsx"


def _local(moment: datetime | None) -> datetime | None:
    # Excel has no time zones: write the wall-clock time in the portal's time zone.
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nee")


def _license_sheet(workbook: Workbook, customer: Customer) -> None:
    report = license_report(customer)
    rows = [
        [
            str(line.get_item_display()),
            str(line.get_scope_display()),
            line.maximum,
            line.portal,
            line.in_use,
            line.available,
            str(line.level.label),
            _("ja") if line.has_deviation else "",
        ]
        for line in report.lines
    ]
    headers, rows = without_empty_columns(
        [
            (_("Onderdeel"), 22),
            (_("Bereik"), 20),  # also holds the count time above the table
            (_("Maximum"), 11),
            (_("Portaalaantal"), 14),
            (_("In gebruik"), 12),
            (_("Beschikbaar"), 13),
            (_("Niveau"), 14),
            (_("Afwijking"), 11),
        ],
        rows,
    )
    sheet = Sheet(workbook, _("Licentiedata"), headers, header_row=4)
    sheet.preamble(
        [_("Klant"), customer.number, customer.name],
        [_("Geteld op"), _local(report.counted_at) or _("nog niet geteld")],
        [_("Gemaakt op"), _local(timezone.now())],
    )
    sheet.header()
    for row in rows:
        sheet.append(row)
    sheet.finish()


def _user_marks() -> dict[int, str]:
    """What each possible bit mask of one user in one environment reads as: "P I, geblokkeerd"."""
    marks = {}
    for mask in range(PRESENT, 2 * PRESENT):
        parts = [" ".join(letter for bit, letter in ACCESS_LETTERS if mask & bit) or _("geen toegang")]
        if mask & BLOCKED:
            parts.append(_("geblokkeerd"))
        if mask & COWORKER:
            parts.append(_("meewerkgebruiker"))
        marks[mask] = ", ".join(parts)
    return marks


def _counted_access(masks) -> int:
    """The access bits a user counts with on one scope, by the rules of environments/usage.py:
    any environment of the type where the user is neither blocked nor a coworker."""
    access = 0
    for mask in masks:
        if mask and mask_counts(mask):
            access |= mask
    return access & (PROFIT | INSITE | OUTSITE)


def _with_users(environments: list[Environment]) -> list[Environment]:
    """The environments that report at least one user, in the given order (one query, index probes)."""
    having = set(
        Environment.objects.filter(pk__in=[environment.pk for environment in environments])
        .filter(Exists(EnvironmentUser.objects.filter(environment=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    return [environment for environment in environments if environment.pk in having]


def _users_sheet(workbook: Workbook, environments: list[Environment]) -> None:
    """One row per unique user. The sheet is streamed, so the columns that would hold nothing are
    found first with cheap EXISTS queries: environments without users, names and e-mail addresses
    nobody has, and "Telt op" for a type without such an environment."""
    environments = _with_users(environments)
    users = EnvironmentUser.objects.filter(environment__in=environments)
    show_name, show_email = (
        bool(environments) and filled(users, "name"),
        bool(environments) and filled(users, "email"),
    )
    types = [
        (value, label)
        for value, label in EnvironmentType.choices
        if any(e.type == value for e in environments)
    ]
    sheet = Sheet(
        workbook,
        _("Gebruikers"),
        [(_("Gebruikerscode"), 24)]
        + ([(_("Naam"), 28)] if show_name else [])
        + ([(_("E-mailadres"), 32)] if show_email else [])
        + [(environment.code, 14) for environment in environments]
        + [(_("Telt op %(type)s") % {"type": label}, 22) for _value, label in types],
        frozen_columns=1,
    )
    sheet.header()
    if environments:
        positions_by_type = [
            [i for i, environment in enumerate(environments) if environment.type == value]
            for value, _label in types
        ]
        marks = _user_marks()
        counts_as = {
            access: ", ".join(PRODUCT_NAMES[flag] for flag, bit in ACCESS_FLAGS.items() if access & bit)
            or None
            for access in range((PROFIT | INSITE | OUTSITE) + 1)
        }
        per_environment = mask_per_environment(environments, user_mask())
        rows = (
            users.values("identity_id", "identity__code")
            .annotate(
                shown_code=Min("code"), shown_name=Max("name"), shown_email=Max("email"), **per_environment
            )
            .order_by("identity__code")
            .values_list("shown_code", "shown_name", "shown_email", *per_environment)
        )
        for code, name, email, *env_masks in rows.iterator(chunk_size=CHUNK_SIZE):
            sheet.append(
                [code]
                + ([name or None] if show_name else [])
                + ([email or None] if show_email else [])
                + [marks.get(mask) for mask in env_masks]
                + [
                    counts_as[_counted_access([env_masks[i] for i in positions])]
                    for positions in positions_by_type
                ]
            )
    sheet.finish()


def _employees_sheet(workbook: Workbook, environments: list[Environment]) -> None:
    employees = Employee.objects.filter(environment__in=environments)
    show_name = bool(environments) and filled(employees, "name")
    sheet = Sheet(
        workbook,
        _("Medewerkers"),
        ([(_("Naam"), 28)] if show_name else [])
        + [(_("In dienst"), 11), (_("Omgevingen"), 48), (_("GUID"), 38)],
    )
    sheet.header()
    if environments:
        in_service = Case(
            When(in_service=True, then=Value(PRESENT | IN_SERVICE)),
            default=Value(PRESENT),
            output_field=IntegerField(),
        )
        marks = mask_per_environment(environments, in_service)
        rows = (
            employees.values("guid")
            .annotate(shown_name=Max("name"), **marks)
            .order_by("shown_name", "guid")
            .values_list("guid", "shown_name", *marks)
        )
        out_of_service, yes, no = _("uit dienst"), _yes_no(True), _yes_no(False)
        for guid, name, *env_marks in rows.iterator(chunk_size=CHUNK_SIZE):
            places = [
                environment.code if mark & IN_SERVICE else f"{environment.code} ({out_of_service})"
                for environment, mark in zip(environments, env_marks, strict=True)
                if mark
            ]
            # Counted as employee when in service in at least one active environment.
            serving = any(mark and mark & IN_SERVICE for mark in env_marks)
            sheet.append(
                ([name or None] if show_name else []) + [yes if serving else no, ", ".join(places), str(guid)]
            )
    sheet.finish()


def _environments_sheet(workbook: Workbook, customer: Customer, environments: list[Environment]) -> None:
    headers = [
        (_("Omgevingscode"), 15),
        (_("Type"), 12),
        (_("Omschrijving"), 28),
        (_("Actief"), 8),
        (_("Uit gebruik sinds"), 19),
        (_("Gegevens van"), 19),
        (_("Gegevens ingelezen"), 19),
        (_("Gebruikers"), 12),
        (_("Profit-gebruikers"), 17),
        (_("InSite-gebruikers"), 17),
        (_("OutSite-gebruikers"), 18),
        (_("Geblokkeerd"), 13),
        (_("Meewerkgebruikers"), 18),
        (_("Medewerkers in dienst"), 21),
        (_("Aangiften"), 11),
        (_("Cliënten"), 10),
    ]
    of_customer = Q(environment__customer=customer)
    users = {
        row["environment_id"]: row
        for row in EnvironmentUser.objects.filter(of_customer)
        .values("environment_id")
        .annotate(
            total=Count("id"),
            blocked_users=Count("id", filter=Q(blocked=True)),
            coworkers=Count("id", filter=Q(kind=UserKind.COWORKER)),
            **{flag: Count("id", filter=COUNTABLE_USER & Q(**{flag: True})) for flag in ACCESS_FLAGS},
        )
        .order_by()
    }
    employees = _counts_per_environment(Employee.objects.filter(of_customer, in_service=True))
    declarations = _counts_per_environment(Declaration.objects.filter(of_customer))
    clients = _counts_per_environment(Client.objects.filter(of_customer))
    rows = []
    for environment in environments:
        counts = users.get(environment.id, {})
        rows.append(
            [
                environment.code,
                str(environment.get_type_display()),
                environment.name,
                _yes_no(environment.is_active),
                _local(environment.decommissioned_at),
                _local(environment.data_taken_at),
                _local(environment.data_imported_at),
                counts.get("total", 0),
                counts.get("profit", 0),
                counts.get("insite", 0),
                counts.get("outsite", 0),
                counts.get("blocked_users", 0),
                counts.get("coworkers", 0),
                employees.get(environment.id, 0),
                declarations.get(environment.id, 0),
                clients.get(environment.id, 0),
            ]
        )
    headers, rows = without_empty_columns(headers, rows)
    sheet = Sheet(workbook, _("Omgevingen"), headers)
    sheet.header()
    for row in rows:
        sheet.append(row)
    sheet.finish()


def _counts_per_environment(queryset) -> dict[int, int]:
    return dict(
        queryset.values("environment_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("environment_id", "n")
    )


def build_workbook(*, customer: Customer, output: str | BinaryIO) -> None:
    """Write the license analysis of `customer` as .xlsx to `output` (a path or a binary file)."""
    environments = sorted(
        Environment.objects.filter(customer=customer),
        key=lambda e: (not e.is_active, TYPE_ORDER[e.type], e.code),
    )
    active = [environment for environment in environments if environment.is_active]
    workbook = Workbook(write_only=True)
    _explanation_sheet(workbook)
    _license_sheet(workbook, customer)
    _users_sheet(workbook, active)
    _employees_sheet(workbook, active)
    _environments_sheet(workbook, customer, environments)
    workbook.save(output)


def _explanation_sheet(workbook: Workbook) -> None:
    """What each sheet and number means, inside the workbook (the e-mail that brings it may be lost)."""
    sheet = Sheet(workbook, _("Uitleg"), [(_("Tabblad"), 18), (_("Wat het toont"), 110)])
    sheet.header()
    for name, meaning in (
        (
            _("Licentiedata"),
            _(
                "Per onderdeel en bereik: het maximum waar u recht op heeft, het aantal dat het portaal "
                "toont, het aantal in gebruik bij de laatste telling en wat nog beschikbaar is. Een "
                "negatief aantal beschikbaar (rood) betekent dat er meer in gebruik is dan de licentie "
                "toestaat; de kolom Niveau zegt het ook in woorden."
            ),
        ),
        (
            _("Gebruikers"),
            _(
                "Elke unieke gebruiker (op gebruikerscode, hoofdletterongevoelig) met per actieve omgeving "
                "de toegang (P = Profit, I = InSite, O = OutSite) en of hij telt. Geblokkeerde gebruikers "
                "en meewerkgebruikers tellen niet."
            ),
        ),
        (
            _("Medewerkers"),
            _(
                "Elke medewerker per GUID: telt één keer als hij in ten minste één actieve omgeving in "
                "dienst is."
            ),
        ),
        (
            _("Omgevingen"),
            _("Alle omgevingen met hun gegevens en aantallen; alleen actieve omgevingen tellen."),
        ),
    ):
        sheet.append([name, meaning])
    sheet.finish()
