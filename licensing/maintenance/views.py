"""Onderhoud gebruikers: unique users and employees across the environments, cleanup advice,
blocking and unblocking a user, and the log of those changes."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from environments.selectors import (
    ACCESS_CHOICES,
    EmployeeFilter,
    UserFilter,
    customer_employees,
    customer_user,
    customer_user_environment,
    customer_users,
)
from environments.usage import count_usage
from environments.vocabulary import EnvironmentType, UserKind
from licensing.selectors import license_lines
from portal.confirm import confirmation, is_confirmed
from portal.pages import for_current_customer, page_of
from portal.redirects import next_url
from portal.selectors import contact_for

from .cleanup import Reason, cleanup_advice, user_seats
from .selectors import changed_message, user_block_history
from .services import SNAPSHOT_STAYS_TRUTH, NothingChanged, WouldExceedLicense, user_set_blocked

USERS_PER_PAGE = 25
LOG_PER_PAGE = 25


def _page(request, rows, per_page=USERS_PER_PAGE):
    return page_of(request, rows, per_page)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@for_current_customer()
def users(request, membership):
    user_filter = UserFilter.from_query(request.GET)
    listing = customer_users(membership.customer, user_filter)
    page = _page(request, listing.rows)
    return render(
        request,
        "licensing/maintenance_users.html",
        {
            "tab": "users",
            "page": page,
            "rows": listing.as_rows(page.object_list),
            "environments": listing.environments,
            "filter": user_filter,
            "types": EnvironmentType.choices,
            "access_choices": ACCESS_CHOICES,
            "kinds": UserKind.choices,
            "query": _query_without_page(request),
            "snapshot_note": SNAPSHOT_STAYS_TRUTH,
        },
    )


@require_GET
@for_current_customer()
def employees(request, membership):
    employee_filter = EmployeeFilter.from_query(request.GET)
    listing = customer_employees(membership.customer, employee_filter)
    page = _page(request, listing.rows)
    return render(
        request,
        "licensing/maintenance_employees.html",
        {
            "tab": "employees",
            "page": page,
            "rows": listing.as_rows(page.object_list),
            "filter": employee_filter,
            "query": _query_without_page(request),
        },
    )


@require_GET
@for_current_customer()
def cleanup(request, membership):
    reason = request.GET.get("reden", "")
    advice = cleanup_advice(membership.customer, reason=reason)
    page = _page(request, advice.rows)
    return render(
        request,
        "licensing/maintenance_cleanup.html",
        {
            "tab": "cleanup",
            "page": page,
            "candidates": advice.as_candidates(page.object_list),
            "advice": advice,
            "total_freed": advice.total_freed(),
            "reasons": Reason.choices,
            "reason": reason if reason in Reason.values else "",
            "query": _query_without_page(request),
            "can_change": membership.is_beheerder,
            "snapshot_note": SNAPSHOT_STAYS_TRUTH,
        },
    )


@require_GET
@for_current_customer()
def user_detail(request, membership, identity_id):
    detail = customer_user(membership.customer, identity_id)
    return render(
        request,
        "licensing/maintenance_user.html",
        {
            "tab": "users",
            "detail": detail,
            "history": user_block_history(membership.customer, identity_id=detail.identity_id)[:LOG_PER_PAGE],
            "can_change": membership.is_beheerder,
            "snapshot_note": SNAPSHOT_STAYS_TRUTH,
        },
    )


def _set_blocked(request, membership, identity_id, *, blocked: bool):
    detail = customer_user(membership.customer, identity_id)
    environment_id = request.POST.get("environment") or None
    if environment_id is not None:
        environment_id = customer_user_environment(membership.customer, detail.identity_id, environment_id).id
    elif blocked and (asking := _block_everywhere_confirmation(request, membership.customer, detail)):
        return asking
    try:
        change = user_set_blocked(
            customer=membership.customer,
            by=contact_for(request),
            identity_id=detail.identity_id,
            user_code=detail.code,
            blocked=blocked,
            environment_id=environment_id,
        )
    except WouldExceedLicense as refusal:
        messages.error(request, refusal.message)
    except NothingChanged as refusal:
        messages.info(request, refusal.message)
    else:
        messages.success(request, changed_message(change))
    return HttpResponseRedirect(
        next_url(request, default=reverse("licensing:maintenance_user", args=[detail.identity_id]))
    )


def _block_everywhere_confirmation(request, customer, detail):
    """Blocking in every environment is confirmed first: where, and what it frees on which line (counted
    now). None once confirmed for the user's blocks as they are now."""
    state = ",".join(f"{user.environment_id}:{int(user.blocked)}" for user in detail.users)
    open_rows = [user for user in detail.users if not user.blocked]
    if not open_rows or is_confirmed(request, state):
        return None  # blocked everywhere already: the service says that nothing changed
    consequences = [
        ngettext(
            "%(code)s wordt geblokkeerd in %(count)s omgeving (de gebruiker staat in %(total)s).",
            "%(code)s wordt geblokkeerd in %(count)s omgevingen (de gebruiker staat in %(total)s).",
            len(open_rows),
        )
        % {"code": detail.code, "count": len(open_rows), "total": len(detail.users)}
    ]
    usage = count_usage([customer.id]).get(customer.id, {})
    lines = {(line.item, line.scope): line for line in license_lines(customer)}
    for freed in user_seats(customer, detail.identity_id):
        in_use = usage.get((freed.item, freed.scope), 0)
        line = lines.get((freed.item, freed.scope))
        consequences.append(
            _("%(line)s: in gebruik van %(in_use)s naar %(after)s (maximum %(maximum)s).")
            % {
                "line": freed.label,
                "in_use": in_use,
                "after": in_use - freed.seats,
                "maximum": line.maximum if line else 0,
            }
        )
    if len(consequences) == 1:
        consequences.append(_("Dat maakt geen licentieplaats vrij: de gebruiker telt nergens mee."))
    consequences.append(str(SNAPSHOT_STAYS_TRUTH))
    return confirmation(
        request,
        title=_("%(code)s in alle omgevingen blokkeren?") % {"code": detail.code},
        consequences=consequences,
        fields={"environment": "", "next": request.POST.get("next", "")},
        state=state,
        button=_("Blokkeren in alle omgevingen"),
        cancel_url=next_url(
            request, default=reverse("licensing:maintenance_user", args=[detail.identity_id])
        ),
    )


@require_POST
@for_current_customer(change=True)
def user_block(request, membership, identity_id):
    return _set_blocked(request, membership, identity_id, blocked=True)


@require_POST
@for_current_customer(change=True)
def user_unblock(request, membership, identity_id):
    return _set_blocked(request, membership, identity_id, blocked=False)


@require_GET
@for_current_customer()
def block_log(request, membership):
    page = _page(request, user_block_history(membership.customer), LOG_PER_PAGE)
    return render(request, "licensing/maintenance_log.html", {"tab": "log", "page": page})
