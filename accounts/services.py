"""Writes on accounts."""

import logging
import secrets

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from accounts.models import SavedProduct, SignInEvent, User
from catalog.models import Product

logger = logging.getLogger(__name__)

# Browsers send User-Agent strings of any length; the start says enough.
USER_AGENT_MAX_LENGTH = SignInEvent._meta.get_field("user_agent").max_length


class AccountDeletionRefused(Exception):
    """The account cannot be deleted; the message says why, for the person."""


@transaction.atomic
def staff_account_create_first(*, email: str) -> tuple[User, str | None]:
    """Create the first staff account with a random password.

    Return the account and its password, or an existing superuser and None
    when there is one already, so running this twice changes nothing.
    """
    existing = User.objects.filter(is_superuser=True).order_by("pk").first()
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    # Its address counts as verified (User.objects.create_superuser).
    user = User.objects.create_superuser(email=email, password=password)
    return user, password


def user_update_name(*, user: User, full_name: str) -> User:
    """Change the name shown on the account."""
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user


def sign_in_record(
    *, user: User, ip_address: str | None, user_agent: str
) -> SignInEvent:
    """Remember one successful sign-in for the account's data export."""
    return SignInEvent.objects.create(
        user=user,
        ip_address=ip_address or None,
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH],
    )


def saved_product_add(*, user: User, product: Product) -> SavedProduct:
    """Save a product to the profile; saving it twice keeps one entry."""
    try:
        with transaction.atomic():
            saved, _ = SavedProduct.objects.get_or_create(user=user, product=product)
    except IntegrityError:
        # Two clicks raced each other; the other one created the row.
        saved = SavedProduct.objects.get(user=user, product=product)
    return saved


def saved_product_remove(*, user: User, product: Product) -> None:
    """Take a product off the profile; removing an unsaved one is fine."""
    SavedProduct.objects.filter(user=user, product=product).delete()


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete an account and every personal record that points to it.

    Saved products, sign-in history, email addresses, pending confirmations
    and authenticators go with the user row (on_delete=CASCADE). Records that
    name the person only by their address or id are removed here: axes'
    sign-in attempts, and admin history entries about this user.

    Raise AccountDeletionRefused for the last active superuser, so the site
    is never left without someone who can administer it.
    """
    if user.is_superuser:
        # Lock the superuser rows so two of the last superusers deleting
        # themselves at the same moment cannot both succeed.
        others = [
            pk
            for pk in User.objects.select_for_update()
            .filter(is_superuser=True, is_active=True)
            .values_list("pk", flat=True)
            if pk != user.pk
        ]
        if not others:
            raise AccountDeletionRefused(
                "This is the last superuser account. Make someone else a "
                "superuser before deleting it."
            )
    addresses = {user.email.lower()} | {
        address.lower()
        for address in EmailAddress.objects.filter(user=user).values_list(
            "email", flat=True
        )
    }
    for address in addresses:
        AccessAttempt.objects.filter(username__iexact=address).delete()
        AccessLog.objects.filter(username__iexact=address).delete()
        AccessFailureLog.objects.filter(username__iexact=address).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
    ).delete()
    user.delete()
    # Deliberately without the address or id: the log outlives the account.
    logger.info("An account was deleted at its owner's request.")
