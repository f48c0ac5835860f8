from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from api import v1 as api_v1
from licensing.views.dashboard import dashboard

from . import health, views


class Base36Converter:
    """The account id in allauth's reset link (`<id in base 36>-<token>`, the token holding a dash too)."""

    regex = "[0-9A-Za-z]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Base36Converter, "base36")

# The back office logs in through the portal's login and its second step (allauth), not a form of its own.
admin.site.login = secure_admin_login(admin.site.login)

# The portal's own pages, reversed as "portal:<name>".
portal_patterns = [
    path("organisatie/", views.choose_customer, name="choose_customer"),
    path("contactpersonen/", views.contacts, name="contacts"),
    path("contactpersonen/uitnodigen/", views.invite_contact, name="invite_contact"),
    path("contactpersonen/<int:membership_id>/rol/", views.change_role, name="change_role"),
    path("contactpersonen/<int:membership_id>/verwijderen/", views.remove_contact, name="remove_contact"),
    path(
        "contactpersonen/<int:membership_id>/uitnodiging/", views.resend_invitation, name="resend_invitation"
    ),
    path("beveiligingslog/", views.security_log, name="security_log"),
    path("beveiliging/sessies/", views.account_sessions, name="sessions"),
    path("beveiliging/", views.security, name="security"),
    path("beveiliging/tweestapsverificatie-verplicht/", views.mfa_policy, name="mfa_policy"),
]


def account_pages(*, allauth_names: bool = False) -> list:
    """The account pages the portal has always had, at their paths (DESIGN.md "Stable interfaces"), served
    by allauth. Listed twice: under the portal's names, and under allauth's after allauth's own URLs,
    because reverse() takes the last pattern of a name, so allauth's redirects and e-mails lead here."""
    names = {
        "login": "account_login",
        "logout": "account_logout",
        "password_reset": "account_reset_password",
        "password_reset_done": "account_reset_password_done",
        "password_reset_complete": "account_reset_password_from_key_done",
        "password_reset_confirm": "account_reset_password_from_key",
    }

    def name(portal_name: str) -> str:
        return names[portal_name] if allauth_names else portal_name

    return [
        path("login/", views.login, name=name("login")),
        path("logout/", allauth_views.logout, name=name("logout")),
        path("wachtwoord-vergeten/", allauth_views.password_reset, name=name("password_reset")),
        path(
            "wachtwoord-vergeten/verstuurd/",
            allauth_views.password_reset_done,
            name=name("password_reset_done"),
        ),
        path(
            "wachtwoord-instellen/klaar/",
            allauth_views.password_reset_from_key_done,
            name=name("password_reset_complete"),
        ),
        path(
            "wachtwoord-instellen/<base36:uidb36>-<str:key>/",
            allauth_views.password_reset_from_key,
            name=name("password_reset_confirm"),
        ),
    ]


# allauth's pages of its own (the second step, re-authentication, ...) live under /account/; those the
# portal has at its own path are not served a second time there.
moved_to_portal_paths = [
    path(f"account/{old}", login_not_required(RedirectView.as_view(pattern_name=new, query_string=True)))
    for old, new in [
        ("login/", "login"),
        ("logout/", "logout"),
        ("signup/", "login"),
        ("password/reset/", "password_reset"),
        ("password/reset/done/", "password_reset_done"),
        ("password/reset/key/done/", "password_reset_complete"),
    ]
]

urlpatterns = [
    *account_pages(),
    # Invitations and reset links e-mailed in Django's format before the move to allauth.
    path("wachtwoord-instellen/<uidb64>/<token>/", views.legacy_set_password, name="legacy_set_password"),
    *moved_to_portal_paths,
    path("account/", include("allauth.urls")),
    *account_pages(allauth_names=True),
    path("", dashboard, name="dashboard"),
    path("", include((portal_patterns, "portal"))),
    path("", include("licensing.urls")),
    path("", include("api.urls")),
    # Liveness and readiness for a load balancer and monitoring (portal/health.py); no login.
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls()),
    path("", include("api.afas")),
]
