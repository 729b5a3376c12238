from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import SavedProduct, SignInEvent, User, UserEmailAddress


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "password1", "password2"),
            },
        ),
    )


@admin.register(SavedProduct)
class SavedProductAdmin(admin.ModelAdmin):
    list_display = ("user", "product", "created_at")
    list_select_related = ("user", "product")
    search_fields = ("user__email", "product__name", "product__sku")
    raw_id_fields = ("user", "product")
    date_hierarchy = "created_at"


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """Read-only: sign-ins are recorded by the site, never typed in."""

    list_display = ("user", "signed_in_at", "ip_address")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "signed_in_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# One "Accounts" section: allauth's list of addresses moves into ours.
admin.site.unregister(EmailAddress)
admin.site.register(UserEmailAddress, EmailAddressAdmin)
