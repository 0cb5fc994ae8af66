from typing import Any

from django import template

from networks.models import Network
from notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def menu_extras(context: dict[str, Any], network: Network | None, access: Any) -> dict[str, Any]:
    """The menu's unread count and whether it shows "Referrals" (the policy's
    `has_referral_boards`): one query, and one more for an organiser."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or network is None or access is None:
        return {"unread": 0, "has_boards": False}
    unread = Notification.objects.filter(
        user_id=user.pk, network_id=network.pk, read_at__isnull=True
    ).count()
    return {"unread": unread, "has_boards": access.has_referral_boards}
