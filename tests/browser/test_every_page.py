"""Every portal page at 1280x800 and on a 390x844 phone: axe-core finds no violation, nothing scrolls
sideways on the phone, and every control there is at least 24 x 24 px (WCAG 2.2 AA).

axe-core comes with axe-playwright-python (bundled, no network). A new page of the portal fails
`test_the_sweep_covers_every_page_of_the_portal` until it is listed here, in PAGES or in NOT_PAGES.
"""

from io import StringIO

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from environments.models import EnvironmentUser
from licensing.approvals.models import PendingChange
from licensing.models import LicenseLine
from licensing.monitoring.models import Signal
from portal.models import Contact, Role
from tests.factories import MembershipFactory
from tests.portal.test_fuzz_views import portal_urls

from .conftest import BEHEERDER, follow

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Not pages: forms' POST targets, the Excel download and the logout (each answered by a redirect or a file).
NOT_PAGES = {
    "logout",
    "portal:invite_contact",
    "portal:change_role",
    "portal:remove_contact",
    "portal:resend_invitation",
    "licensing:recount",
    "licensing:analysis_download",
    "licensing:warning_acknowledge",
    "licensing:signal_copy",
    "licensing:user_block",
    "licensing:user_unblock",
    "apikeys:create",
    "apikeys:revoke",
    "apikeys:token_create",
    "apikeys:token_revoke",
    "licensing:signal_delete",
    "licensing:pending_approve",
    "licensing:pending_reject",
    # An old e-mail's set-password link: it hands out a fresh one (a redirect).
    "legacy_set_password",
}
# Seen before logging in.
ANONYMOUS = [
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "password_reset_confirm",
]

PAGES_AFTER_LOGIN = [
    "dashboard",
    "portal:choose_customer",
    "portal:contacts",
    "licensing:overview",
    "licensing:line_detail",
    "licensing:line_change",
    "licensing:mutations",
    "licensing:analysis",
    "licensing:requests",
    "licensing:request_new",
    "licensing:warnings",
    "licensing:signals",
    "licensing:signal_edit",
    "licensing:maintenance",
    "licensing:maintenance_employees",
    "licensing:maintenance_cleanup",
    "licensing:maintenance_log",
    "licensing:maintenance_user",
    "apikeys:list",
    "portal:security",
    "portal:sessions",
    "portal:security_log",
    "portal:mfa_policy",
    "licensing:four_eyes",
    "licensing:pending_changes",
]

# Interactive elements smaller than 24 x 24 px, but for a link inside a sentence (WCAG 2.5.8's inline
# exception: its parent holds more text than the link).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]), textarea, summary')].filter(element => {
  const box = element.getBoundingClientRect();
  if (!box.width || !box.height || element.closest('.skip-link')) return false;
  if (element.tagName === 'A' && element.parentElement.textContent.trim() !== element.textContent.trim())
    return false;
  return box.width < 24 || box.height < 24;
}).map(element => {
  const box = element.getBoundingClientRect();
  const name = element.textContent.trim().slice(0, 40);
  return `${element.tagName} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`;
})"""


@pytest.fixture
def nightly_run(demo_data):
    call_command("refresh_licenses", stdout=StringIO(), stderr=StringIO())


def _paths() -> dict[str, str]:
    """A path for each page, with the demo data's ids."""
    line = LicenseLine.objects.get(license__customer__number="12345", item="profit_users", scope="O")
    builtin = Signal.objects.get(customer=None)
    copy = Signal.objects.create(
        customer=line.license.customer,
        name="Kopie van het standaardsignaal",
        item=builtin.item,
        scope=builtin.scope,
        threshold=builtin.threshold,
        copied_from=builtin,
    )
    identity_id = EnvironmentUser.objects.filter(environment__customer__number="12345").first().identity_id
    # Vier-ogen: a change of a colleague Beheerder waiting (the forms to decide), and one decided.
    colleague = MembershipFactory(
        customer=line.license.customer, role=Role.BEHEERDER, contact__user__email="tweede@example.nl"
    ).contact
    asked = {"customer": line.license.customer, "kind": "quantity", "line": line, "quantity": 15}
    who = {
        "requested_by": colleague,
        "requested_by_user": colleague.user,
        "requested_by_name": colleague.email,
    }
    PendingChange.objects.create(**asked, **who, old_maximum=line.maximum)
    PendingChange.objects.create(**asked, **who, old_maximum=16, status="rejected", reason="Niet nodig")
    user = Contact.objects.get(user__email=BEHEERDER[0]).user
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return {
        "login": reverse("login"),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        "password_reset_complete": reverse("password_reset_complete"),
        # The link of the e-mail: Django redirects it to the form under .../set-password/.
        "password_reset_confirm": reverse("password_reset_confirm", args=[uid, token]),
        "dashboard": reverse("dashboard"),
        "portal:choose_customer": reverse("portal:choose_customer"),
        "portal:contacts": reverse("portal:contacts"),
        "licensing:overview": reverse("licensing:overview"),
        "licensing:line_detail": reverse("licensing:line_detail", args=[line.id]),
        "licensing:line_change": reverse("licensing:line_change", args=[line.id]),
        "licensing:mutations": reverse("licensing:mutations"),
        "licensing:analysis": reverse("licensing:analysis"),
        "licensing:requests": reverse("licensing:requests"),
        "licensing:request_new": reverse("licensing:request_new"),
        "licensing:warnings": reverse("licensing:warnings"),
        "licensing:signals": reverse("licensing:signals"),
        "licensing:signal_edit": reverse("licensing:signal_edit", args=[copy.id]),
        "licensing:maintenance": reverse("licensing:maintenance"),
        "licensing:maintenance_employees": reverse("licensing:maintenance_employees"),
        "licensing:maintenance_cleanup": reverse("licensing:maintenance_cleanup"),
        "licensing:maintenance_log": reverse("licensing:maintenance_log"),
        "portal:security": reverse("portal:security"),
        "portal:sessions": reverse("portal:sessions"),
        "portal:security_log": reverse("portal:security_log"),
        "portal:mfa_policy": reverse("portal:mfa_policy"),
        "licensing:maintenance_user": reverse("licensing:maintenance_user", args=[identity_id]),
        "apikeys:list": reverse("apikeys:list"),
        "licensing:four_eyes": reverse("licensing:four_eyes"),
        "licensing:pending_changes": reverse("licensing:pending_changes"),
        # The error pages: the built-in signal may not be edited (403), and a page that does not exist.
        "403": reverse("licensing:signal_edit", args=[builtin.id]),
        "404": "/bestaat-niet/",
    }


def test_the_sweep_covers_every_page_of_the_portal():
    listed = set(ANONYMOUS) | set(PAGES_AFTER_LOGIN) | NOT_PAGES
    assert listed == set(portal_urls())


def _check(page, axe, name: str, viewport: dict) -> list[str]:
    """What is wrong with the page shown: axe's violations, and on the phone sideways scrolling and
    small targets."""
    problems = []
    results = axe.run(page)
    if results.violations_count:
        problems.append(f"{name} at {viewport['width']} px: {results.generate_report()}")
    if viewport is PHONE:
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            problems.append(f"{name}: the page is {width[0]} px wide in a {width[1]} px window")
        if small := page.evaluate(SMALL_TARGETS):
            problems.append(f"{name}: targets under 24 x 24 px: {small}")
    return problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_page_passes_axe_and_fits_the_window(browser, live_server, nightly_run, viewport):
    paths = _paths()
    axe = Axe()
    context = browser.new_context(viewport=viewport, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    try:
        for name in ANONYMOUS:
            page.goto(live_server.url + paths[name])
            problems += _check(page, axe, name, viewport)
        page.goto(live_server.url + paths["login"])
        page.fill("input[name=login]", BEHEERDER[0])
        page.fill("input[name=password]", BEHEERDER[1])
        follow(page, page.locator("main button[type=submit]"))
        for name in [*PAGES_AFTER_LOGIN, "403", "404"]:
            response = page.goto(live_server.url + paths[name])
            expected = int(name) if name.isdigit() else 200
            assert response.status == expected, (name, response.status)
            problems += _check(page, axe, name, viewport)
            if viewport is PHONE and name == "dashboard":
                # The folded menu, opened: its links are targets too.
                page.locator("summary.site-menu__toggle").click()
                problems += _check(page, axe, "the opened menu", viewport)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
