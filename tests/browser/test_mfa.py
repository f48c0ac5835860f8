"""Two-step verification in a real browser: set up an authenticator app on Beveiliging and log in with
its code, a recovery code that works once, and a Beheerder's policy that sends a contact to set it up."""

import pyotp
import pytest

from .conftest import BEHEERDER, MEDEWERKER, follow, open_menu

pytestmark = pytest.mark.browser


def _password(page, live_server, credentials) -> None:
    email, password = credentials
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    follow(page, page.locator("main button[type=submit]"))


def _second_step(page, code: str) -> None:
    assert page.locator("h1").inner_text() == "Tweestapsverificatie"
    page.fill("input[name=code]", code)
    follow(page, page.locator("main button[type=submit]").first)


def _log_out(page) -> None:
    follow(page, page.locator("form.logout-form button[type=submit]"))


def _set_up_the_app(page, password: str) -> tuple[str, list[str]]:
    """From Beveiliging: confirms the password (allauth asks again before a change of the second step),
    reads the secret the QR code holds, as an app would, and enters its code; returns the secret and the
    recovery codes allauth shows next."""
    follow(page, page.get_by_role("link", name="App instellen"))
    assert "/account/reauthenticate/" in page.url
    page.fill("input[name=password]", password)
    follow(page, page.locator("main form button[type=submit]"))
    assert page.locator(".totp-qr svg").count() == 1  # the QR code, inline (no data: image for the CSP)
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    follow(page, page.locator("main form button[type=submit]"))
    codes = page.locator("#recovery_codes").input_value().split()
    return secret, codes


def test_a_beheerder_sets_up_an_app_and_logs_in_with_its_code(page, live_server, demo_data):
    _password(page, live_server, BEHEERDER)
    open_menu(page, "Beveiliging")
    secret, codes = _set_up_the_app(page, BEHEERDER[1])
    assert len(codes) == 10
    _log_out(page)

    _password(page, live_server, BEHEERDER)
    assert page.url == f"{live_server.url}/account/2fa/authenticate/"
    _second_step(page, pyotp.TOTP(secret).now())

    assert page.url == f"{live_server.url}/"
    open_menu(page, "Beveiliging")
    assert page.get_by_role("link", name="App verwijderen").count() == 1


def test_a_recovery_code_works_once(page, live_server, demo_data):
    _password(page, live_server, BEHEERDER)
    open_menu(page, "Beveiliging")
    _secret, codes = _set_up_the_app(page, BEHEERDER[1])
    _log_out(page)

    _password(page, live_server, BEHEERDER)
    _second_step(page, codes[0])
    assert page.url == f"{live_server.url}/"
    _log_out(page)

    _password(page, live_server, BEHEERDER)
    _second_step(page, codes[0])

    assert page.url == f"{live_server.url}/account/2fa/authenticate/"
    assert page.locator(".field__error, .form-errors").count() >= 1
    # Not logged in: the portal leads back to the second step that is still open.
    assert page.goto(f"{live_server.url}/").url == f"{live_server.url}/account/2fa/authenticate/"


def test_a_beheerder_requires_it_and_a_contact_is_made_to_set_it_up(browser, page, live_server, demo_data):
    _password(page, live_server, BEHEERDER)
    open_menu(page, "Beveiliging")
    follow(page, page.get_by_role("link", name="Beleid wijzigen"))
    page.get_by_role("button", name="Verplicht maken").click()
    assert page.url.endswith("/tweestapsverificatie-verplicht/")  # not without the confirmation
    page.check("input[name=confirm]")
    follow(page, page.get_by_role("button", name="Verplicht maken"))
    assert page.url == f"{live_server.url}/beveiliging/"
    assert "Tweestapsverificatie is nu verplicht" in page.locator(".messages").inner_text()

    colleague = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL").new_page()
    _password(colleague, live_server, MEDEWERKER)
    assert colleague.url == f"{live_server.url}/beveiliging/"
    assert "Tweestapsverificatie is verplicht voor uw account" in colleague.locator("main").inner_text()
    assert colleague.goto(f"{live_server.url}/licentiedata/").url == f"{live_server.url}/beveiliging/"

    _set_up_the_app(colleague, MEDEWERKER[1])
    colleague.goto(f"{live_server.url}/licentiedata/")
    assert colleague.url == f"{live_server.url}/licentiedata/"
    assert colleague.locator("h1").inner_text() == "Licentiedata"
    colleague.context.close()
