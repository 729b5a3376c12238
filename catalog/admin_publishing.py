"""The admin's side of drafts, schedules and share previews.

Products and pages are published the same way (`catalog.publishing`), and
their admins share this: the status column and filter, the "Share preview"
button with its list of links, and the admin of the links themselves.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from catalog import previews
from catalog.publishing import PreviewLink, Publishable


def day_time(moment) -> str:
    """A short date for a list, with the full time on hover."""
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        date_format(local, "M j, Y"),
    )


class PublicationFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return Publishable.Publication.choices

    def queryset(self, request, queryset):
        if self.value() in Publishable.Publication.values:
            return queryset.in_publication(self.value())
        return queryset


class PublishingAdminMixin:
    """For the admin of a `Publishable` model with share-preview links.

    Its queryset must be annotated `with_publication()`. The change form
    shows the "Share preview" button through
    `admin/includes/share_preview_tool.html`.
    """

    @admin.display(description="status")
    def publication(self, item: Publishable) -> str:
        """Draft, Scheduled (from when), Live (until when) or Withdrawn.

        "Published" alone read as live for an item that appears in a month;
        the state comes from the visibility rule instead.
        """
        state = getattr(item, "publication", None)
        if state is None:
            return "Save it first."
        label = Publishable.Publication(state).label
        moment = {
            Publishable.Publication.SCHEDULED: ("from", item.publish_at),
            Publishable.Publication.LIVE: ("until", item.unpublish_at),
            Publishable.Publication.WITHDRAWN: ("since", item.unpublish_at),
        }.get(state)
        if moment is None or moment[1] is None:
            return label
        word, when = moment
        if state == Publishable.Publication.WITHDRAWN and when > timezone.now():
            # Withdrawn before it ever went live: it ends before it starts.
            return label
        return format_html(
            '{} <span class="publication-date">{} {}</span>',
            label,
            word,
            day_time(when),
        )

    @admin.display(description="share preview links")
    def share_links(self, item: Model) -> str:
        if not item.pk:
            return "Save it first."
        links = [
            link
            for link in item.preview_links.order_by("-created_at")
            if link.is_usable()
        ]
        if not links:
            return "No active links."
        return format_html_join(
            "",
            '<p><a href="{}">{}</a> (until {})</p>',
            (
                (
                    previews.preview_link_url(link),
                    previews.preview_link_url(link),
                    f"{link.expires_at:%Y-%m-%d %H:%M} UTC",
                )
                for link in links
            ),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/share-preview/",
                self.admin_site.admin_view(self.share_preview_view),
                name="{}_{}_share_preview".format(*info),
            )
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        info = self.opts.app_label, self.opts.model_name
        extra_context = {
            "share_preview_url": reverse(
                "admin:{}_{}_share_preview".format(*info), args=[object_id]
            ),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def share_preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._share_preview)(request, object_id)

    def _share_preview(self, request: HttpRequest, object_id: str) -> HttpResponse:
        item = self.get_object(request, unquote(object_id))
        if item is None:
            raise Http404(f"No such {self.opts.verbose_name}.")
        if not self.has_change_permission(request, item):
            raise PermissionDenied
        link = previews.preview_link_create(subject=item, user=request.user)
        url = request.build_absolute_uri(previews.preview_link_url(link))
        self.message_user(
            request,
            format_html(
                "Share this preview link; it works until {} unless revoked: {}",
                f"{link.expires_at:%Y-%m-%d %H:%M} UTC",
                url,
            ),
            messages.SUCCESS,
        )
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(
            reverse("admin:{}_{}_change".format(*info), args=[item.pk])
        )


class PreviewLinkAdmin(admin.ModelAdmin):
    """The share-preview links of one kind of item, to see and revoke."""

    list_display = (
        "subject",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "usable",
    )
    list_filter = ("revoked_at",)
    readonly_fields = (
        "subject",
        "token",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related(self.model.subject_field, "created_by")
        )

    def get_fields(self, request, obj=None):
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Links are made with the "Share preview" button on their item.
        return False

    @admin.display(description="shows")
    def subject(self, link: PreviewLink) -> str:
        return str(link.subject)

    @admin.display(description="usable", boolean=True)
    def usable(self, link: PreviewLink) -> bool:
        return link.is_usable()

    @admin.action(description="Revoke selected links", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = previews.preview_links_revoke(links=queryset)
        self.message_user(request, f"Revoked {count} links.", messages.SUCCESS)
