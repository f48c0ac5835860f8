"""Reads for the page API-sleutels: a customer's keys and its environments' tokens, each through an
access function that answers 404 for another customer's."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from environments.models import Environment
from portal.models import Customer, Membership
from portal.selectors import as_id

from .models import ApiKey, EnvironmentToken


def api_keys_of(customer: Customer) -> QuerySet[ApiKey]:
    """The customer's keys, newest first, revoked ones included (they keep the history)."""
    return ApiKey.objects.filter(customer=customer).select_related("created_by", "revoked_by")


def environments_with_tokens(customer: Customer) -> list[Environment]:
    """The customer's active environments, each with `tokens`: its environment tokens, newest first."""
    tokens = EnvironmentToken.objects.order_by("-created_at", "-id")
    return list(
        Environment.objects.filter(customer=customer, is_active=True)
        .order_by("code")
        .prefetch_related(Prefetch("api_tokens", queryset=tokens, to_attr="tokens"))
    )


def api_key_for(membership: Membership, key_id) -> ApiKey:
    """A key of the membership's customer; 404 for any other."""
    try:
        return api_keys_of(membership.customer).get(pk=as_id(key_id))
    except ApiKey.DoesNotExist:
        raise Http404("No such API key") from None


def environment_for(membership: Membership, environment_id) -> Environment:
    """An active environment of the membership's customer; 404 for any other."""
    try:
        return Environment.objects.select_related("customer").get(
            pk=as_id(environment_id), customer=membership.customer, is_active=True
        )
    except Environment.DoesNotExist:
        raise Http404("No such environment") from None


def environment_token_for(membership: Membership, token_id) -> EnvironmentToken:
    """An environment token of the membership's customer; 404 for any other."""
    try:
        return EnvironmentToken.objects.select_related("environment").get(
            pk=as_id(token_id), environment__customer=membership.customer
        )
    except EnvironmentToken.DoesNotExist:
        raise Http404("No such environment token") from None
