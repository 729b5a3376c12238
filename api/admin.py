"""API tokens in the admin: made there, shown once, revoked there."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from api import services
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "user__email", "hint")
    fields = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Staff other than superusers see and make their own tokens only.
        tokens = super().get_queryset(request)
        if request.user.is_superuser:
            return tokens
        return tokens.filter(user=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None or not request.user.is_superuser:
            fields += ["user", "name"] if obj is not None else ["user"]
        return fields

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool):
        if change:
            return
        user = obj.user if request.user.is_superuser and obj.user_id else request.user
        token, key = services.api_token_create(user=user, name=obj.name)
        obj.pk = token.pk
        self.message_user(
            request,
            f"The token for “{token.name}” is {key} — copy it now: it is not "
            "stored and will not be shown again.",
            messages.WARNING,
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A token is never edited; it is revoked and a new one made.
        return False

    @admin.action(description="Revoke selected tokens", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.api_tokens_revoke(tokens=queryset)
        self.message_user(request, f"Revoked {count} tokens.", messages.SUCCESS)
