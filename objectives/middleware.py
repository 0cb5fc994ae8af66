from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from objectives import figures


def figures_probed_once(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A page reads figures several times, and each read first asks whether anything is
    dated from its end on (`figures.probed_once`): a GET asks once. A request that writes
    asks each time, since its own writes may change the answer."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return get_response(request)
        with figures.probed_once():
            return get_response(request)

    return middleware
