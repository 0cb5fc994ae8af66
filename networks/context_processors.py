from django.http import HttpRequest

from networks.models import Network


def networks(request: HttpRequest) -> dict[str, object]:
    """The networks the signed-in person can switch between, loaded only when a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def user_networks() -> list[Network]:  # evaluated lazily by the template
        from networks.policy import visible_networks

        return list(visible_networks(user).only("name", "slug"))

    return {"user_networks": user_networks}
