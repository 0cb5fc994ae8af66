from collections.abc import Callable
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from networks.links import network_url
from networks.models import Network
from notifications.models import Notification

register = template.Library()


# The main menu, on every page of a network: (label, URL name, who sees it, when it is the
# page one is on). Written out here rather than in a template: a template's {% url %} and
# conditions per entry cost about a millisecond on every page.
def _objectives_page(ns: str, name: str) -> bool:
    return ns == "objectives" and "report" not in name and name not in OBJECTIVES_ELSEWHERE


OBJECTIVES_ELSEWHERE = {"dashboard", "group_dashboard", "my_contribution", "console", "value"}
MENU: list[tuple[str, str, str | None, Callable[[str, str], bool]]] = [
    ("Home", "network_home", None, lambda ns, name: name == "network_home"),
    ("Objectives", "objectives:list", None, _objectives_page),
    ("Groups", "groups:list", None,
     lambda ns, name: ns == "groups" and name not in ("activities", "activity")),
    ("Activities", "groups:activities", None,
     lambda ns, name: ns == "groups" and name in ("activities", "activity")),
    ("Referrals", "referrals:mine", "has_referral_boards", lambda ns, name: ns == "referrals"),
    ("Reports", "objectives:reports", None,
     lambda ns, name: ns == "objectives" and "report" in name),
    ("Dashboard", "objectives:dashboard", None,
     lambda ns, name: ns == "objectives" and name == "dashboard"),
    ("My contribution", "objectives:my_contribution", None,
     lambda ns, name: ns == "objectives" and name == "my_contribution"),
    ("Console", "objectives:console", "can_use_console",
     lambda ns, name: ns == "objectives" and name == "console"),
    ("Value", "objectives:value", None, lambda ns, name: ns == "objectives" and name == "value"),
    ("Members", "members:list", None, lambda ns, name: ns == "members"),
    ("Invitations", "networks:invitations", "can_invite_to_network",
     lambda ns, name: name == "invitations"),
    ("Notifications", "notifications:list", None, lambda ns, name: ns == "notifications"),
    ("Webhooks", "webhooks:list", "can_manage_webhooks", lambda ns, name: ns == "webhooks"),
]  # fmt: skip


@register.simple_tag(takes_context=True)
def main_menu(context: dict[str, Any], network: Network, access: Any) -> SafeString:
    """The menu's links for this person (the policy says which), the page they are on
    marked, and their unread notifications counted: one query, and one more for a site
    admin who is not a member of the network (`Access.has_referral_boards`)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    ns, name = (match.namespace, match.url_name or "") if match else ("", "")
    unread = _unread(request, network)
    links = []
    for label, url_name, shown, current in MENU:
        if shown is not None and (access is None or not getattr(access, shown)):
            continue
        marked = mark_safe(' aria-current="page"') if current(ns, name) else ""  # noqa: S308
        badge = ""
        if label == "Notifications" and unread:
            badge = format_html(
                ' <span class="badge unread-badge">{}<span class="visually-hidden"> unread'
                "</span></span>",
                unread,
            )
        href = network_url(url_name, network.slug)
        links.append(format_html('<a href="{}"{}>{}{}</a>', href, marked, label, badge))
    return mark_safe("\n".join(links))  # noqa: S308 - each link built by format_html


def _unread(request: Any, network: Network) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(
        user_id=user.pk, network_id=network.pk, read_at__isnull=True
    ).count()
