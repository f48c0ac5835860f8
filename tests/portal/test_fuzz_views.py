"""Fuzz: hostile values in every form and query parameter of every portal view, as each persona.

A case is one request followed, after a redirect, by the page it leads to. Generated cases (hypothesis)
send any method, real, foreign and nonexistent ids in the path, and any subset of the view's parameters
with any values (text with NUL and control characters, any script, very long strings, numbers as text,
lists of values), or a valid request of the persona's own customer with one or two parameters changed
to anything. Pointed cases, on top, put a NUL byte, markup and the edges of the numbers into each
parameter of a valid request in turn.

Whatever comes in: no answer is a 5xx; no value with a markup marker comes back unescaped; what the
request stored is valid (changed and new rows pass `full_clean()` and the invariants of
`check_stored`); and only a Beheerder changed anything, only of its own customer. Each case runs in a
savepoint that is rolled back, so every case starts from the same data. PostgreSQL stores no NUL byte
at all: one that got through would show as a 5xx.
"""

import base64
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator as allauth_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.http import urlencode
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.models import ApiKey, EnvironmentToken
from api.services import create_api_key, create_environment_token
from environments.models import EnvironmentUser
from environments.vocabulary import EnvironmentType, Item, Scope, UserKind, is_valid_pair
from licensing.approvals.models import FourEyesPolicy, PendingChange
from licensing.maintenance.cleanup import Reason
from licensing.maintenance.models import UserBlockChange
from licensing.models import MAX_QUANTITY, LicenseLine, LicenseMutation, LicenseRequest
from licensing.monitoring.models import LicenseWarning, Signal, UsageSnapshot, WarningKind
from licensing.monitoring.services import ensure_builtin_signal
from licensing.recount import recount_customer
from portal.models import Contact, Membership, Role
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    EmployeeFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseFactory,
    LicenseLineFactory,
    MembershipFactory,
    identity,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "beheerder", "medewerker", "other_beheerder")
# Generated cases per persona at least (examples_for gives each view its share; 1,023 in all), with
# the pointed cases (about 650 in all) on top.
GENERATED = {"anonymous": 180, "beheerder": 270, "medewerker": 270, "other_beheerder": 270}
# A generated value with one of these must never come back raw: Django escapes <, >, " and '.
MARKERS = ("<script>fz</script>", '"fz="fz', "'fz='fz", "<b fz>")


@dataclass(frozen=True)
class View:
    """A portal URL, the parameters it reads per method (None: method not allowed), the kind of id
    each path parameter takes, and who gets past its access check ("public", "member", "beheerder")."""

    name: str
    get: tuple[str, ...] | None = ()
    post: tuple[str, ...] | None = None
    path: dict[str, str] = field(default_factory=dict)
    access: str = "member"


VIEWS = (
    View("login", get=("next",), post=("login", "password", "next"), access="public"),
    View("logout", post=("next",), access="public"),
    View("password_reset", post=("email",), access="public"),
    View("password_reset_done", access="public"),
    View(
        "password_reset_confirm",
        post=("password1", "password2"),
        path={"uidb36": "uid36", "key": "token"},
        access="public",
    ),
    View("legacy_set_password", path={"uidb64": "uid", "token": "token"}, access="public"),
    View("password_reset_complete", access="public"),
    View("dashboard"),
    View("portal:choose_customer", get=("next",), post=("customer", "next")),
    View("portal:contacts"),
    View("portal:security"),
    View("portal:mfa_policy", post=("required", "confirm"), access="beheerder"),
    View("portal:invite_contact", get=None, post=("name", "email", "role"), access="beheerder"),
    View(
        "portal:change_role",
        get=None,
        post=("role",),
        path={"membership_id": "membership"},
        access="beheerder",
    ),
    View(
        "portal:remove_contact", get=None, post=(), path={"membership_id": "membership"}, access="beheerder"
    ),
    View(
        "portal:resend_invitation",
        get=None,
        post=(),
        path={"membership_id": "membership"},
        access="beheerder",
    ),
    View("portal:security_log", get=("page",), access="beheerder"),
    View("portal:sessions", post=()),
    View("licensing:overview"),
    View("licensing:recount", get=None, post=(), access="beheerder"),
    View(
        "licensing:line_change",
        post=("quantity", "acknowledge_deviation", "replace"),
        path={"line_id": "line"},
        access="beheerder",
    ),
    View(
        "licensing:four_eyes", post=("enabled", "lowering", "raise_above", "every_change"), access="beheerder"
    ),
    View("licensing:pending_changes"),
    View(
        "licensing:pending_approve",
        get=None,
        post=("reason",),
        path={"change_id": "pending_change"},
        access="beheerder",
    ),
    View(
        "licensing:pending_reject",
        get=None,
        post=("reason",),
        path={"change_id": "pending_change"},
        access="beheerder",
    ),
    View("licensing:mutations", get=("page",)),
    View("licensing:requests"),
    View(
        "licensing:request_new",
        get=("line",),
        post=("line", "subject", "desired_quantity", "motivation"),
        access="beheerder",
    ),
    View("licensing:analysis", post=("email",)),
    View("licensing:analysis_download"),
    View("licensing:line_detail", path={"line_id": "line"}),
    View("licensing:warnings", get=("soort", "page")),
    View(
        "licensing:warning_acknowledge", get=None, post=(), path={"warning_id": "warning"}, access="beheerder"
    ),
    View("licensing:signals"),
    View(
        "licensing:signal_copy",
        post=("name", "item", "scope", "threshold", "recipients", "is_active"),
        path={"signal_id": "signal"},
        access="beheerder",
    ),
    View("licensing:signal_delete", get=None, post=(), path={"signal_id": "signal"}, access="beheerder"),
    View(
        "licensing:signal_edit",
        post=("name", "item", "scope", "threshold", "recipients", "is_active"),
        path={"signal_id": "signal"},
        access="beheerder",
    ),
    View("licensing:maintenance", get=("q", "type", "toegang", "geblokkeerd", "soort", "page")),
    View("licensing:maintenance_employees", get=("q", "in_dienst", "page")),
    View("licensing:maintenance_cleanup", get=("reden", "page")),
    View("licensing:maintenance_log", get=("page",)),
    View("licensing:maintenance_user", path={"identity_id": "identity"}),
    View(
        "licensing:user_block",
        get=None,
        post=("environment", "next"),
        path={"identity_id": "identity"},
        access="beheerder",
    ),
    View(
        "licensing:user_unblock",
        get=None,
        post=("environment", "next"),
        path={"identity_id": "identity"},
        access="beheerder",
    ),
    View("apikeys:list", access="beheerder"),
    View("apikeys:create", get=None, post=("name", "scopes", "expires"), access="beheerder"),
    View("apikeys:revoke", post=(), path={"key_id": "api_key"}, access="beheerder"),
    View(
        "apikeys:token_create", get=None, post=(), path={"environment_id": "environment"}, access="beheerder"
    ),
    View("apikeys:token_revoke", post=(), path={"token_id": "api_token"}, access="beheerder"),
)
# Who each persona is, as far as a view's access check goes.
ACCESS = {
    "anonymous": {"public"},
    "medewerker": {"public", "member"},
    "beheerder": {"public", "member", "beheerder"},
    "other_beheerder": {"public", "member", "beheerder"},
}


def portal_urls() -> dict[str, set[str]]:
    """Every URL of the project but the back office, Django's i18n views, the HTTP API with its AFAS
    GetConnector (not pages; tests/api covers them) and the health endpoints (a 500 is their answer when
    not ready; tests/serving covers them): {name: path parameters}.
    An unnamed URL is listed by its route, so that it fails the coverage test too."""
    found: dict[str, set[str]] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(
                ("admin/", "i18n/", "api/", "ProfitRestServices/", "^ProfitRestServices/", "health/")
            ):
                continue
            # allauth's own pages (the second step, re-authentication, ...) are allauth's, like the back
            # office is Django's; the pages at the portal's paths are listed under the portal's names.
            if route.startswith("account/") or (getattr(pattern, "name", None) or "").startswith("account_"):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            else:
                found[namespace + pattern.name if pattern.name else route] = set(pattern.pattern.converters)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_the_fuzz_table_covers_every_portal_url_and_its_path_parameters():
    # A new view without fuzz coverage fails here: add it to VIEWS with the parameters it reads.
    assert {view.name: set(view.path) for view in VIEWS} == portal_urls()


# --- the data every case starts from ---


@dataclass
class World:
    """`ids`: per kind of path parameter the ids of both customers and some that exist nowhere;
    `values`: per parameter plausible values, the first of each making a valid form; `seeds`: per
    customer ("a", "b") the ids and values of its own that make a valid request of its Beheerder."""

    ids: dict[str, list]
    values: dict[str, list[str]]
    customers: dict[str, int]
    seeds: dict[str, dict]

    def seed(self, persona: str, view: View) -> tuple[str, dict, dict]:
        """A request `view` accepts from the persona's Beheerder: (url, query, form)."""
        own = self.seeds["b" if persona == "other_beheerder" else "a"]
        url = reverse(
            view.name, kwargs={name: own.get(kind, self.ids[kind][0]) for name, kind in view.path.items()}
        )

        def form(keys):
            return {key: own.get(key, self.values[key][0]) for key in keys or ()}

        return url, form(view.get), form(view.post)


@pytest.fixture
def world(customer_a, customer_b, beheerder, medewerker, other_beheerder) -> World:
    colleague = MembershipFactory(
        customer=customer_a, role=Role.INCIDENTENBEHEER, contact__user__email="collega@example.nl"
    )
    b_colleague = MembershipFactory(customer=customer_b, role=Role.MEDEWERKER)
    # A customer neither persona belongs to, with a user of the same code as one of customer A.
    stranger = CustomerFactory(number="55555")
    LicenseFactory(customer=stranger)

    production = EnvironmentFactory(customer=customer_a, type=EnvironmentType.PRODUCTION)
    test = EnvironmentFactory(customer=customer_a, type=EnvironmentType.TEST)
    b_production = EnvironmentFactory(customer=customer_b, type=EnvironmentType.PRODUCTION)
    stranger_production = EnvironmentFactory(customer=stranger, type=EnvironmentType.PRODUCTION)
    for environment in (production, test):
        EnvironmentUserFactory(environment=environment, code="12345.jansen", insite=True)
    EnvironmentUserFactory(environment=production, code="12345.stagiair", kind=UserKind.INTERN)
    EnvironmentUserFactory(environment=production, code="12345.extern", kind=UserKind.COWORKER)
    EnvironmentUserFactory(environment=test, code="12345.tester", kind=UserKind.TEST, blocked=True)
    EnvironmentUserFactory(environment=b_production, code="67890.bakker")
    EnvironmentUserFactory(environment=stranger_production, code="12345.jansen")
    EmployeeFactory(environment=production, name="J. Jansen")
    EmployeeFactory(environment=production, name="Uit Dienst", in_service=False, kind="temp")
    EmployeeFactory(environment=b_production)

    lines_a = [
        LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=3),
        LicenseLineFactory(license=customer_a.license, item="insite_users", scope="O", maximum=10),
        LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=1),
        LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=5),
        LicenseLineFactory(
            license=customer_a.license, item="employees", scope="license", maximum=MAX_QUANTITY, portal=7
        ),
    ]
    lines_b = [
        LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=10),
        LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=2),
    ]
    for customer in (customer_a, customer_b):
        recount_customer(customer=customer)
    # A month of slowly rising use on every line: with the maximum of 1,000,000 of the employees line,
    # the forecast lies past the last date there is (the year-41639 crash of the line pages).
    today = timezone.localdate()
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=line, date=today - timedelta(days=n), in_use=3 - n // 10, maximum=line.maximum)
        for line in lines_a
        for n in range(30)
    )

    now = timezone.now()
    warnings_a = [
        LicenseWarning.objects.create(
            customer=customer_a,
            kind=WarningKind.DEVIATION,
            line=lines_a[4],
            params={"item": "profit_users", "scope": "O", "portal": 1, "maximum": 2},
            opened_at=now,
        ),
        LicenseWarning.objects.create(
            customer=customer_a,
            kind=WarningKind.OVER_USE,
            line=lines_a[0],
            params={"item": "profit_users", "scope": "O", "in_use": 3, "maximum": 2},
            opened_at=now,
            resolved_at=now,
        ),
    ]
    warning_b = LicenseWarning.objects.create(
        customer=customer_b, kind=WarningKind.OVER_USE, line=lines_b[1], params={}, opened_at=now
    )
    builtin = ensure_builtin_signal()
    signal_a = Signal.objects.create(
        customer=customer_a, name="Eigen signaal", item="profit_users", threshold=2
    )
    signal_a.recipients.set([medewerker])
    signal_b = Signal.objects.create(customer=customer_b, name="Signaal B", item="profit_users", threshold=1)
    LicenseRequest.objects.create(
        customer=customer_a, line=lines_a[0], desired_quantity=20, motivation="Groei", requested_by=beheerder
    )
    LicenseMutation.objects.create(
        line=lines_a[0],
        customer=customer_a,
        contact=beheerder,
        by=beheerder.email,
        old_maximum=2,
        old_portal=2,
        new_quantity=3,
        in_use=2,
    )
    # The four-eyes principle on for A, with a change of a colleague Beheerder waiting; one of B's own.
    tweede = MembershipFactory(
        customer=customer_a, role=Role.BEHEERDER, contact__user__email="tweede@example.nl"
    )
    FourEyesPolicy.objects.create(customer=customer_a, enabled=True, every_change=True)
    pending_a = PendingChange.objects.create(
        customer=customer_a,
        kind="quantity",
        line=lines_a[1],
        quantity=12,
        old_maximum=10,
        requested_by=tweede.contact,
        requested_by_user=tweede.contact.user,
        requested_by_name=tweede.contact.email,
    )
    pending_b = PendingChange.objects.create(
        customer=customer_b,
        kind="quantity",
        line=lines_b[0],
        quantity=9,
        old_maximum=10,
        requested_by=other_beheerder,
        requested_by_user=other_beheerder.user,
        requested_by_name=other_beheerder.email,
    )
    jansen = identity("12345.jansen")
    UserBlockChange.objects.create(
        customer=customer_a,
        contact=beheerder,
        by=beheerder.email,
        identity=jansen,
        user_code="12345.jansen",
        environments=[production.code],
        blocked=False,
    )

    key_a, _secret = create_api_key(
        customer=customer_a, name="HR", scopes=["warnings:read"], expires=None, by="t"
    )
    key_b, _secret = create_api_key(
        customer=customer_b, name="B", scopes=["warnings:read"], expires=None, by="t"
    )
    token_a, _secret = create_environment_token(environment=production, by="t")
    token_b, _secret = create_environment_token(environment=b_production, by="t")

    user_model = get_user_model()
    reset_user = colleague.contact.user
    uid = base64.urlsafe_b64encode(str(reset_user.pk).encode()).decode().rstrip("=")
    memberships = [
        *Membership.objects.filter(customer=customer_a),
        *Membership.objects.filter(customer=customer_b),
    ]
    hostile_ids = [0, 2**31, 2**63, 10**30]
    ids = {
        "line": [line.id for line in (*lines_a, *lines_b)] + hostile_ids,
        "membership": [membership.id for membership in memberships] + hostile_ids,
        "warning": [warning.id for warning in (*warnings_a, warning_b)] + hostile_ids,
        "signal": [signal_a.id, builtin.id, signal_b.id] + hostile_ids,
        "identity": [jansen.id, identity("12345.stagiair").id, identity("67890.bakker").id] + hostile_ids,
        "uid": [uid, "MQ", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "-_-_"],
        "uid36": [user_pk_to_url_str(reset_user), "0", "ZZZZZZZZZZZZZZZZ"],
        "token": [
            allauth_token_generator.make_token(reset_user),
            default_token_generator.make_token(reset_user),
            "set-password",
            "abc-def",
        ],
        "api_key": [key_a.id, key_b.id] + hostile_ids,
        "api_token": [token_a.id, token_b.id] + hostile_ids,
        "pending_change": [pending_a.id, pending_b.id] + hostile_ids,
        "environment": [e.id for e in (production, test, b_production, stranger_production)] + hostile_ids,
    }
    emails = [
        "nieuw@example.nl",
        "beheerder@example.nl",
        "medewerker@example.nl",
        "collega@example.nl",
        "beheerder67890@example.nl",
        "NIEUW@Example.NL",
        " nieuw@example.nl ",
        "x@y",
        "a" * 140 + "@example.nl",
        # Valid addresses that cannot be usernames: the invitation refuses them with a form error.
        "a@[127.0.0.1]",
        '"<b>"@example.nl',
    ]
    assert user_model.objects.filter(email__in=emails[1:5]).count() == 4
    numbers = ["10", "0", "1", "3", "500000", str(MAX_QUANTITY), str(MAX_QUANTITY + 1), "-1", "2147483648"]
    values = {
        "next": [
            "/",
            "/contactpersonen/",
            "/login/",
            "/logout/",
            "foo",
            "//evil.example",
            "javascript:alert(1)",
        ],
        "login": emails,
        "email": emails,
        "password": [PASSWORD, "wrong"],
        "customer": [str(customer_a.id), str(customer_b.id), str(stranger.id), "0"],
        "name": ["Nieuwe Collega", " ", "=HYPERLINK(1)"],
        "role": [choice or "geen" for choice in Role.values] + ["admin"],
        "quantity": numbers,
        "desired_quantity": numbers,
        "threshold": numbers,
        "acknowledge_deviation": ["on", "true", "false"],
        "is_active": ["on", ""],
        "line": [str(line_id) for line_id in ids["line"]],
        "environment": [str(e.id) for e in (production, test, b_production, stranger_production)],
        "recipients": [str(c.id) for c in Contact.objects.all()],
        "item": Item.values,
        "scope": [*Scope.values, ""],
        "soort": WarningKind.values + UserKind.values,
        "type": EnvironmentType.values,
        "toegang": ["profit", "insite", "outsite"],
        "geblokkeerd": ["ja", "nee"],
        "in_dienst": ["ja", "nee"],
        "reden": Reason.values,
        "q": ["jansen", "12345", "%", "_", "\\"],
        "page": ["1", "2", "0", "-1"],
        "subject": ["Meer gebruikers"],
        "motivation": ["Wij groeien."],
        "required": ["1", "0", "ja"],
        "confirm": ["on", ""],
        "password1": ["Nieuw-Wachtwoord-2026!"],
        "password2": ["Nieuw-Wachtwoord-2026!"],
        "scopes": ["licentiedata:read", "warnings:read", "licenses:write", "root", ""],
        "expires": ["", "2999-12-31", "2001-01-01", "31-12-2030", "9999-99-99"],
        "enabled": ["1", "0", "ja"],
        "lowering": ["on", ""],
        "every_change": ["on", ""],
        "raise_above": [*numbers, ""],
        "replace": [str(pending_a.id), str(pending_b.id), "0", "x"],
        "reason": ["Akkoord", "", " "],
    }
    customers = {"beheerder": customer_a.id, "other_beheerder": customer_b.id}
    seeds = {
        "a": {
            "line": lines_a[0].id,
            "membership": colleague.id,
            "warning": warnings_a[0].id,
            "signal": signal_a.id,
            "identity": jansen.id,
            "customer": str(customer_a.id),
            "environment": str(production.id),
            "recipients": str(medewerker.id),
            "api_key": key_a.id,
            "api_token": token_a.id,
            "pending_change": pending_a.id,
        },
        "b": {
            "line": lines_b[1].id,
            "membership": b_colleague.id,
            "warning": warning_b.id,
            "signal": signal_b.id,
            "identity": identity("67890.bakker").id,
            "customer": str(customer_b.id),
            "environment": str(b_production.id),
            "recipients": str(b_colleague.contact_id),
            "api_key": key_b.id,
            "api_token": token_b.id,
            "pending_change": pending_b.id,
        },
    }
    for seed in seeds.values():
        seed["line"] = str(seed["line"])  # as a form value; the path takes it as a number too
    return World(ids=ids, values=values, customers=customers, seeds=seeds)


# --- what a case sends ---

NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats().map(str),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),  # more digits than int() reads
    st.sampled_from(
        [
            "-0",
            "+5",
            " 7 ",
            "1e3",
            "1E6",
            "1.0",
            "12.5",
            "0x10",
            "1_000",
            "inf",
            "-inf",
            "nan",
            "٣",
            "²",
            "１２",
        ]
    ),
)
# Characters with a history: NUL (PostgreSQL refuses it), other controls, invisible and bidi marks,
# markup, SQL LIKE wildcards, and one outside the Basic Multilingual Plane.
AWKWARD = "\x00\x01\t\n\r\x1b\x7f\x85\u00a0\u200b\u202e\ufeff\ufffd<>\"'&%_\\\U0001f600"
TEXTS = st.one_of(
    st.text(max_size=40),  # any code point but surrogates: NUL, control characters, any script
    st.text(st.sampled_from(AWKWARD), min_size=1, max_size=10),
    st.text(st.characters(codec="ascii"), max_size=20),
    st.builds(lambda part, times: part * times, st.text(min_size=1, max_size=8), st.integers(100, 3000)),
    st.builds(
        lambda before, marker, after: before + marker + after,
        st.text(max_size=5),
        st.sampled_from(MARKERS),
        st.text(max_size=5),
    ),
)


def _often(usual, rare):
    """`usual` four times out of five, else `rare`."""
    return st.integers(0, 4).flatmap(lambda n: rare if n == 0 else usual)


def _value(world: World, key: str):
    one = st.one_of(st.sampled_from(world.values[key]), TEXTS, NUMBERS)
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


def _path_value(world: World, kind: str):
    real = st.sampled_from(world.ids[kind])
    if kind == "uid36":
        return _often(real, st.from_regex(r"\A[0-9A-Za-z]{1,20}\Z"))
    if kind in ("uid", "token"):
        # Any text a path segment can hold; reverse() percent-encodes it.
        return _often(real, st.text(st.characters(exclude_characters="/"), min_size=1, max_size=30))
    return _often(real, st.integers(min_value=0))


@st.composite
def cases(draw, world: World, view: View, persona: str):
    """Half the cases: any ids in the path and any subset of the parameters with any values. The other
    half: a valid request of the persona's own customer with one or two parameters changed to anything,
    which gets past the form into the service and what it stores."""
    allowed = [method for method, keys in (("GET", view.get), ("POST", view.post)) if keys is not None]
    method = draw(_often(st.sampled_from(allowed), st.sampled_from(["GET", "POST", "PUT", "DELETE"])))
    if draw(st.booleans()):
        kwargs = {name: draw(_path_value(world, kind)) for name, kind in view.path.items()}
        query, form = (
            draw(st.fixed_dictionaries({}, optional={key: _value(world, key) for key in keys or ()}))
            for keys in (view.get, view.post)
        )
        return method, reverse(view.name, kwargs=kwargs), query, form
    url, query, form = world.seed(persona, view)
    for parameters in (query, form):
        if parameters:
            for key in draw(
                st.lists(st.sampled_from(sorted(parameters)), min_size=1, max_size=2, unique=True)
            ):
                parameters[key] = draw(_value(world, key))
    return method, url, query, form


# Put into each parameter in turn by `pointed_cases`: a NUL byte and markup into every one, the
# edges of what the forms take into the numbers, what no number can be into the ids, and what is no
# local path (or the login page itself) into `next`.
POINTED = ("jan\x00sen", MARKERS[0] + MARKERS[1])
EDGES = {
    **dict.fromkeys(
        ("quantity", "desired_quantity", "threshold"),
        ("-1", "0", str(MAX_QUANTITY), str(MAX_QUANTITY + 1), str(2**31), "9" * 5000, "1e3"),
    ),
    **dict.fromkeys(("page", "customer", "line", "environment", "recipients"), ("-1", "9" * 5000)),
    "next": ("foo", "//evil.example", "https://evil.example/", "javascript:alert(1)", "/\\evil", "/login/"),
}


def pointed_cases(world: World, view: View, persona: str) -> list[tuple]:
    """A valid request of the persona's own customer as it is, and, for a view the persona gets into,
    with each parameter in turn set to a NUL byte, to markup and (numbers) to the edges, and with a NUL
    byte in a parameter name: classes of input that must never slip through by chance. Run on top of
    the generated cases."""
    url, query, form = world.seed(persona, view)
    found = []
    for method, keys, base in (("GET", view.get, query), ("POST", view.post, form)):
        if keys is None:
            continue
        variants = [base]
        if view.access in ACCESS[persona]:
            variants += [{"jan\x00sen": "1"}] + [
                {**base, key: value} for key in keys for value in POINTED + EDGES.get(key, ())
            ]
        found += [(method, url, *((v, {}) if method == "GET" else ({}, v))) for v in variants]
    return found


def examples_for(view: View, persona: str) -> int:
    """More cases for a view with more to vary; fewer for anonymous visitors (the login redirect)."""
    inputs = len(view.get or ()) + len(view.post or ()) + len(view.path)
    return 2 + 2 * inputs if persona == "anonymous" else 3 + 3 * inputs


# --- what must hold after each case ---

User = get_user_model()
# model, its columns (the first is the key), the column that names its customer (None: none).
WATCHED = {
    "user": (User, ("pk", "username", "email", "is_active", "is_staff", "is_superuser"), None),
    "contact": (Contact, ("pk", "user_id", "name"), None),
    "membership": (Membership, ("pk", "customer_id", "contact_id", "role"), "customer_id"),
    "line": (
        LicenseLine,
        ("pk", "license__customer_id", "item", "scope", "maximum", "portal", "in_use"),
        "license__customer_id",
    ),
    "mutation": (LicenseMutation, ("pk", "customer_id", "line_id", "new_quantity", "in_use"), "customer_id"),
    "request": (
        LicenseRequest,
        ("pk", "customer_id", "line_id", "subject", "desired_quantity", "motivation", "status"),
        "customer_id",
    ),
    "signal": (
        Signal,
        ("pk", "customer_id", "name", "item", "scope", "threshold", "is_active", "is_builtin"),
        "customer_id",
    ),
    "recipient": (
        Signal.recipients.through,
        ("pk", "signal__customer_id", "contact_id"),
        "signal__customer_id",
    ),
    "warning": (
        LicenseWarning,
        ("pk", "customer_id", "acknowledged_at", "acknowledged_by_id", "resolved_at"),
        "customer_id",
    ),
    "environment_user": (
        EnvironmentUser,
        ("pk", "environment__customer_id", "blocked"),
        "environment__customer_id",
    ),
    "pending_change": (PendingChange, ("pk", "customer_id", "status", "line_id", "quantity"), "customer_id"),
    "policy": (FourEyesPolicy, ("pk", "customer_id", "enabled", "lowering", "raise_above"), "customer_id"),
    "block_change": (UserBlockChange, ("pk", "customer_id", "blocked"), "customer_id"),
    "api_key": (ApiKey, ("pk", "customer_id", "name", "scopes", "expires_at", "revoked_at"), "customer_id"),
    "api_token": (
        EnvironmentToken,
        ("pk", "environment__customer_id", "environment_id", "revoked_at"),
        "environment__customer_id",
    ),
}


def state() -> dict[str, dict]:
    return {
        name: {row[0]: row for row in model.objects.values_list(*columns)}
        for name, (model, columns, _customer) in WATCHED.items()
    }


def check_stored(before: dict, persona: str, world: World) -> None:
    after = state()
    own = world.customers.get(persona)
    changed = {}
    for name, (_model, columns, customer_column) in WATCHED.items():
        old, new = before[name], after[name]
        changed[name] = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
        if customer_column is None:
            continue
        position = columns.index(customer_column)
        for key in changed[name]:
            customer = (new.get(key) or old[key])[position]
            assert own is not None and customer == own, (
                f"{persona} changed {name} {key} of customer {customer}"
            )

    # Accounts: a new one only comes with a membership a Beheerder made; an existing one never changes
    # (an invitation adds a membership, a removal takes one away; neither touches the account).
    new_members = {after["membership"][key][2] for key in changed["membership"] if key in after["membership"]}
    assert not changed["contact"] & before["contact"].keys(), "an existing contact changed"
    assert not changed["user"] & before["user"].keys(), "an existing account changed"
    assert all(key in new_members for key in changed["contact"]), "a contact without a membership"
    for user in User.objects.filter(pk__in=changed["user"]):
        user.full_clean()
    for contact in Contact.objects.filter(pk__in=changed["contact"]):
        contact.full_clean()

    for membership in Membership.objects.filter(pk__in=changed["membership"]):
        membership.full_clean()
    customers_with_members = {row[1] for row in after["membership"].values()}
    beheerders = {row[1] for row in after["membership"].values() if row[3] == Role.BEHEERDER}
    assert customers_with_members <= beheerders, "a customer lost its last Beheerder"

    new_mutations = {key: after["mutation"][key] for key in changed["mutation"] if key in after["mutation"]}
    for line in LicenseLine.objects.filter(pk__in=changed["line"]).select_related("license"):
        line.full_clean()
        old = before["line"].get(line.pk)
        if old is not None and (old[4], old[5]) != (line.maximum, line.portal):
            # A changed maximum is a recorded mutation, never below the in-use count at that moment.
            recorded = sorted(row for row in new_mutations.values() if row[2] == line.pk)
            assert recorded, f"line {line.pk} changed without a mutation"
            assert line.maximum == line.portal == recorded[-1][3]
            assert line.maximum >= (recorded[-1][4] or 0)
    for mutation in LicenseMutation.objects.filter(pk__in=new_mutations).select_related("line__license"):
        mutation.full_clean()
        assert mutation.line.license.customer_id == mutation.customer_id
    for request in LicenseRequest.objects.filter(pk__in=changed["request"]).select_related("line__license"):
        request.full_clean()
        assert request.line is None or request.line.license.customer_id == request.customer_id
    for signal in Signal.objects.filter(pk__in=changed["signal"]):
        signal.full_clean()
        assert 0 <= signal.threshold <= MAX_QUANTITY
        assert not signal.scope or is_valid_pair(signal.item, signal.scope)
    for key in changed["recipient"]:
        if key in after["recipient"]:
            _pk, customer, contact = after["recipient"][key]
            assert Membership.objects.filter(customer_id=customer, contact_id=contact).exists()
    for warning in LicenseWarning.objects.filter(pk__in=changed["warning"]):
        warning.full_clean()
        assert (
            warning.acknowledged_by is None
            or warning.acknowledged_by.memberships.filter(customer_id=warning.customer_id).exists()
        )
    for change in UserBlockChange.objects.filter(pk__in=changed["block_change"]):
        change.full_clean()
    for change in PendingChange.objects.filter(pk__in=changed["pending_change"]).select_related("decided_by"):
        change.full_clean()
        # Nobody decides on their own change.
        assert change.decided_by is None or change.decided_by.user_id != change.requested_by_user_id
    for credential in [
        *ApiKey.objects.filter(pk__in=changed["api_key"]),
        *EnvironmentToken.objects.filter(pk__in=changed["api_token"]),
    ]:
        credential.full_clean()
    # The portal never creates over-use: after an unblock, no line is over that was not over before.
    if any(
        not after["block_change"][key][2] for key in changed["block_change"] if key in after["block_change"]
    ):
        for key in changed["line"]:
            old, new = before["line"].get(key), after["line"].get(key)
            if new is not None and (old is None or old[6] <= old[4]):
                assert new[6] <= new[4], f"unblocking took line {key} above its maximum"


class Writes:
    """Sees whether a case sent the database anything but a read or a session write: only then is
    what it stored checked (most cases write nothing, and the check costs a dozen queries)."""

    READS = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")

    def __init__(self):
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        statement = sql.lstrip().upper()
        if not statement.startswith(self.READS) and '"DJANGO_SESSION"' not in statement:
            self.seen = True
        return execute(sql, params, many, context)


def check_page(response) -> None:
    assert response.status_code < 500, response.status_code
    if response.status_code in (301, 302, 303, 307, 308):
        # Never off the site, whatever `next` said: a local path, which a browser cannot read as a host.
        location = response["Location"]
        parts = urlsplit(location.replace("\\", "/"))
        assert location.startswith("/") and not parts.scheme and not parts.netloc, location
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        page = response.content.decode()
        for marker in MARKERS:
            assert marker not in page, f"{marker!r} came back unescaped"


def send(client, method: str, url: str, query: dict, form: dict):
    if method == "GET":
        return client.get(url, query)
    if method == "POST":
        # A query string too: some views read `next` from either.
        return client.post(url + ("?" + urlencode(query, doseq=True) if query else ""), form)
    return getattr(client, method.lower())(url)


@pytest.fixture(autouse=True)
def _quiet_expected_refusals():
    # Thousands of 4xx answers and refused NUL bytes are the point here; logging each costs a third of
    # the run. A 5xx still fails the case itself.
    levels = {"django.request": logging.ERROR, "django.security": logging.CRITICAL}
    before = {name: logging.getLogger(name).level for name in levels}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    # The analysis request counts in the cache; a local one keeps the cases apart and Redis clean.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_input_breaks_a_page_stores_anything_invalid_or_comes_back_unescaped(
    client, world, persona, request
):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona).user)
    session = client.cookies.get(django_settings.SESSION_COOKIE_NAME)
    before = state()
    ran: dict[str, int] = {}

    def fuzz(view: View) -> int:
        @settings(
            max_examples=examples_for(view, persona),
            derandomize=True,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(case=cases(world, view, persona))
        def run(case):
            method, url, query, form = case
            ran[view.name] = ran.get(view.name, 0) + 1
            client.cookies.clear()
            if session is not None:
                client.cookies[django_settings.SESSION_COOKIE_NAME] = session.value
            cache.clear()
            writes = Writes()
            with transaction.atomic(), connection.execute_wrapper(writes):
                response = send(client, method, url, query, form)
                check_page(response)
                if response.status_code in (301, 302):
                    check_page(client.get(response["Location"]))
                if writes.seen:
                    check_stored(before, persona, world)
                transaction.set_rollback(True)

        pointed = pointed_cases(world, view, persona)
        for case in pointed:
            run = example(case=case)(run)
        run()
        return len(pointed)

    pointed = sum(fuzz(view) for view in VIEWS)

    assert set(ran) == {view.name for view in VIEWS}
    assert sum(ran.values()) - pointed >= GENERATED[persona], ran
