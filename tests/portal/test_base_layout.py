import pytest
from django.contrib.auth import views as auth_views
from django.urls import include, path

from licensing.views.dashboard import dashboard
from portal.models import Role
from portal.urls import portal_patterns
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# A site without the licensing pages: the navigation must leave their links out, not fail.
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard, name="dashboard"),
    path("", include((portal_patterns, "portal"))),
    path("i18n/", include("django.conf.urls.i18n")),
]


def test_the_header_shows_the_customer_navigation_and_logout(client, beheerder):
    client.force_login(beheerder.user)

    page = client.get("/").content.decode()

    assert '<span class="customer__number">12345</span>' in page
    assert "Bakkerij De Korenschoof BV" in page
    for url in (
        "/licentiedata/",
        "/licentiedata/mutaties/",
        "/licentieaanvragen/",
        "/afwijkingen/",
        "/signalen/",
    ):
        assert f'href="{url}"' in page
    assert 'href="/onderhoud-gebruikers/"' in page
    assert 'href="/contactpersonen/"' in page
    assert 'action="/logout/"' in page
    assert 'action="/i18n/setlang/"' in page
    assert "Wisselen" not in page  # one customer: nothing to switch


def test_the_header_offers_switching_to_a_contact_of_several_customers(client, beheerder, customer_b):
    MembershipFactory(contact=beheerder, customer=customer_b, role=Role.MEDEWERKER)
    client.force_login(beheerder.user)
    client.post("/organisatie/", {"customer": customer_b.pk})

    page = client.get("/").content.decode()

    assert '<span class="customer__number">67890</span>' in page
    assert 'href="/organisatie/">Wisselen</a>' in page


def test_it_renders_without_the_pages_of_other_apps(client, beheerder, settings):
    settings.ROOT_URLCONF = __name__
    client.force_login(beheerder.user)

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "/licentiedata/" not in page
    assert 'href="/contactpersonen/"' in page


def test_the_login_page_has_no_navigation(client):
    page = client.get("/login/").content.decode()

    assert 'class="site-nav"' not in page
    assert 'action="/logout/"' not in page
