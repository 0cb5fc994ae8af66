from typing import Any

from django import template
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from networks.models import Network
from notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def menu_extras(context: dict[str, Any], network: Network | None, access: Any) -> dict[str, Any]:
    """The menu's unread count and whether it shows "Referrals", in one query for every
    page (the rule is the policy's `referral_boards`)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or network is None or access is None:
        return {"unread": 0, "has_boards": False}
    unread = (
        Notification.objects.filter(
            user_id=user.pk, network_id=OuterRef("pk"), read_at__isnull=True
        )
        .order_by()
        .values("network_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    row = (
        Network.objects.filter(pk=network.pk)
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            has_boards=Exists(access.referral_boards()),
        )
        .values("unread", "has_boards")
        .first()
    )
    return row or {"unread": 0, "has_boards": False}
