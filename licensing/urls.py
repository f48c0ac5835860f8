from django.urls import path

from .analysis import views as analysis
from .approvals import views as approvals
from .maintenance import views as maintenance
from .monitoring.views import signal_pages, warning_pages
from .views import line_page, lines, requests

app_name = "licensing"

urlpatterns = [
    path("licentiedata/", lines.overview, name="overview"),
    path("licentiedata/tellen/", lines.recount, name="recount"),
    path("licentiedata/regel/<int:line_id>/wijzigen/", lines.line_change, name="line_change"),
    path("licentiedata/mutaties/", lines.mutations, name="mutations"),
    path("licentieaanvragen/", requests.request_list, name="requests"),
    path("licentieaanvragen/nieuw/", requests.request_new, name="request_new"),
    path("licentiedata/analyse/", analysis.request_analysis, name="analysis"),
    path("licentiedata/analyse/download/", analysis.download_analysis, name="analysis_download"),
    path("licentiedata/regel/<int:line_id>/", line_page.line_detail, name="line_detail"),
    path("afwijkingen/", warning_pages.warning_list, name="warnings"),
    path(
        "afwijkingen/<int:warning_id>/bevestigen/",
        warning_pages.warning_acknowledge_view,
        name="warning_acknowledge",
    ),
    path("signalen/", signal_pages.signal_list, name="signals"),
    path("signalen/<int:signal_id>/kopieren/", signal_pages.signal_copy_view, name="signal_copy"),
    path("signalen/<int:signal_id>/wijzigen/", signal_pages.signal_edit, name="signal_edit"),
    path("signalen/<int:signal_id>/verwijderen/", signal_pages.signal_delete_view, name="signal_delete"),
    path("vier-ogen/", approvals.policy, name="four_eyes"),
    path("vier-ogen/wijzigingen/", approvals.pending_list, name="pending_changes"),
    path(
        "vier-ogen/wijzigingen/<int:change_id>/goedkeuren/",
        approvals.decide,
        {"approve": True},
        name="pending_approve",
    ),
    path(
        "vier-ogen/wijzigingen/<int:change_id>/afwijzen/",
        approvals.decide,
        {"approve": False},
        name="pending_reject",
    ),
    path("onderhoud-gebruikers/", maintenance.users, name="maintenance"),
    path("onderhoud-gebruikers/medewerkers/", maintenance.employees, name="maintenance_employees"),
    path("onderhoud-gebruikers/opschonen/", maintenance.cleanup, name="maintenance_cleanup"),
    path("onderhoud-gebruikers/logboek/", maintenance.block_log, name="maintenance_log"),
    path("onderhoud-gebruikers/<int:identity_id>/", maintenance.user_detail, name="maintenance_user"),
    path("onderhoud-gebruikers/<int:identity_id>/blokkeren/", maintenance.user_block, name="user_block"),
    path(
        "onderhoud-gebruikers/<int:identity_id>/deblokkeren/", maintenance.user_unblock, name="user_unblock"
    ),
]
