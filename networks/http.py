"""Request types for views, as django-htmx's example types them.

Views behind `login_required` take an `AuthenticatedRequest`: its `user` is a signed-in
`User`, and `htmx` is django-htmx's details of an htmx request.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from networks.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedRequest(HtmxHttpRequest):
    user: User  # narrowed: only login_required views take it
