"""The project's URLs plus a test API at /api/test/ whose operations raise what the real ones may:
a body that does not validate, a refusal of the domain, a crash."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from ninja import NinjaAPI, Schema
from pydantic import Field

from api import problems
from portal.errors import DomainError
from portal.urls import urlpatterns as project_patterns


class User(Schema):
    code: str
    profit: bool


class Snapshot(Schema):
    quantity: int = Field(ge=0, le=10)
    users: list[User]


class Refused(DomainError):
    status = 409


test_api = NinjaAPI(urls_namespace="problems-test", docs_url=None, openapi_url=None)
problems.install(test_api)


@test_api.post("/snapshot")
def snapshot(request, payload: Snapshot):
    return {"ok": True}


@test_api.get("/count")
def count(request, days: int = 90):
    return {"days": days}


@test_api.post("/refuse")
def refuse(request):
    raise Refused("Het gewenste aantal komt onder het werkelijke aantal in gebruik.", in_use=12, requested=10)


@test_api.get("/crash")
def crash(request):
    raise RuntimeError("boom")


patterns, app_name, namespace = test_api.urls
for pattern in patterns:
    login_not_required(pattern.callback)

urlpatterns = [path("api/test/", (patterns, app_name, namespace)), *project_patterns]
