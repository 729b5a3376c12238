from allauth.account.models import EmailAddress
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from catalog.models import Product


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra_fields
    ) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if (
            extra_fields["is_staff"] is not True
            or extra_fields["is_superuser"] is not True
        ):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        # Signing in needs a verified address. A superuser is made by whoever
        # runs the site (`createsuperuser`, `create_staff`, a shell), so the
        # address they gave counts as verified, and the account signs in to
        # the admin at once (staff two-factor still applies).
        from allauth.account.models import EmailAddress

        with transaction.atomic(using=self._db):
            user = self._create_user(email, password, **extra_fields)
            EmailAddress.objects.using(self._db).create(
                user=user, email=user.email.lower(), verified=True, primary=True
            )
        return user

    def get_by_natural_key(self, username: str) -> "User":
        # Addresses differ only in case are the same mailbox for every
        # provider people use, so sign-in must not depend on it.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address instead of a username."""

    email = models.EmailField(
        "email address",
        unique=True,
        error_messages={"unique": "An account with this email address already exists."},
    )
    full_name = models.CharField("full name", max_length=150, blank=True)
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Whether the user can sign in to the admin.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Unselect this instead of deleting accounts.",
    )
    date_joined = models.DateTimeField("date joined", default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["email"]
        constraints = [
            # Sign-in ignores case, so two accounts whose addresses differ
            # only in case would make one address name two people.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_unique_any_case",
                violation_error_message=(
                    "An account with this email address already exists."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class SavedProductQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "SavedProductQuerySet":
        """The products a person saved, newest first, ready for a list.

        Each carries `available`: whether visitors may see the product now.
        One that was withdrawn since is shown without its current name, which
        may no longer be meant for the public.
        """
        visible = Product.objects.visible().filter(pk=models.OuterRef("product_id"))
        return (
            self.filter(user=user)
            .select_related("product", "product__category")
            .annotate(available=models.Exists(visible))
            .order_by("-created_at", "-pk")
        )


class SavedProduct(models.Model):
    """A product a signed-in visitor keeps on their profile."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="saved_products",
        verbose_name="user",
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="product",
    )
    created_at = models.DateTimeField("saved at", default=timezone.now)

    objects = SavedProductQuerySet.as_manager()

    class Meta:
        verbose_name = "saved product"
        verbose_name_plural = "saved products"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"], name="accounts_savedproduct_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} saved {self.product}"


class SignInEvent(models.Model):
    """One successful sign-in, kept for the account's own data export.

    The address and browser are personal data: they go when the account goes.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="sign_in_events",
        verbose_name="user",
    )
    signed_in_at = models.DateTimeField("signed in at", default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(
        "browser", max_length=300, blank=True, help_text="The User-Agent header."
    )

    class Meta:
        verbose_name = "sign-in"
        verbose_name_plural = "sign-ins"
        ordering = ["-signed_in_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user", "-signed_in_at"], name="accounts_signin_user_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.signed_in_at:%Y-%m-%d %H:%M}"


class UserEmailAddress(EmailAddress):
    """allauth's email addresses, listed in the admin with the users.

    allauth's own app is also called "Accounts", so its admin showed a second
    "Accounts" section holding only this list. The proxy puts the list in
    ours; the table and allauth's migrations stay as they are.
    """

    class Meta:
        proxy = True
        verbose_name = "email address"
        verbose_name_plural = "email addresses"
