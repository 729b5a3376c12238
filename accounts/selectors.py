"""Reads on accounts."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.utils import timezone

from accounts.models import SavedProduct, User


def account_data_export(*, user: User) -> dict[str, Any]:
    """Everything Showroom keeps about a person, as JSON-ready data."""
    return {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {
                    "email": address.email,
                    "verified": address.verified,
                    "primary": address.primary,
                }
                for address in user.emailaddress_set.order_by("-primary", "email")
            ],
            "two_factor_authentication": Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists(),
        },
        "saved_products": [
            {
                "name": saved.product.name,
                "sku": saved.product.sku,
                "url": saved.product.get_absolute_url(),
                "saved_at": saved.created_at.isoformat(),
            }
            if saved.available
            else {"available": False, "saved_at": saved.created_at.isoformat()}
            for saved in SavedProduct.objects.for_user(user)
        ],
        "sign_ins": [
            {
                "signed_in_at": event.signed_in_at.isoformat(),
                "ip_address": event.ip_address,
                "user_agent": event.user_agent,
            }
            for event in user.sign_in_events.order_by("-signed_in_at", "-pk")
        ],
    }
