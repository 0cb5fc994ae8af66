from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Pages for a signed-in person are theirs alone: no shared cache (a proxy, a CDN) may
    keep them, and the browser keeps no copy after sign-out either."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
