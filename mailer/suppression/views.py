"""One-click unsubscribe: a POST (RFC 8058) unsubscribes, a GET only shows a confirm button."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mailer.exceptions import InvalidUnsubscribeToken
from mailer.suppression.unsubscribe import ONE_CLICK, Subscription, read_token, unsubscribe

ONE_CLICK_FIELD, ONE_CLICK_VALUE = ONE_CLICK.split("=")


@csrf_exempt  # mail clients post without cookies; the signed token is the credential
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """Check the token, then confirm (GET) or unsubscribe its one address (POST)."""
    try:
        subscription = read_token(token)
    except InvalidUnsubscribeToken:
        return _page(request, "mailer/unsubscribe_invalid.html", status=400)
    if request.method != "POST":
        return _page(request, "mailer/unsubscribe_confirm.html", subscription)
    if request.POST.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return _page(request, "mailer/unsubscribe_bad_request.html", subscription, status=400)
    unsubscribe(subscription)
    return _page(request, "mailer/unsubscribe_done.html", subscription)


def _page(
    request: HttpRequest, template: str, subscription: Subscription | None = None, status: int = 200
) -> HttpResponse:
    context = {"subscription": subscription, "field": ONE_CLICK_FIELD, "value": ONE_CLICK_VALUE}
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
