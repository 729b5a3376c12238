"""Compare any two versions in an object's admin history, or one with now.

`VersionCompareMixin` goes before reversion's `VersionAdmin` in a model
admin's bases. The history page then lists the versions with a choice of
two, and "Compare" opens a page with the changed fields and the object's
parts (declared in `version_parts`, see `catalog.versions.Parts`) added,
removed, moved or changed. Restoring a version goes through reversion's
own revert view: the button opens its form, filled with that version, and
saving it reverts.

    class PageAdmin(VersionCompareMixin, VersionAdmin):
        version_parts = (
            Parts("Blocks", (PartKind(RichText, "parent", ("region", "ordering")),)),
        )
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from reversion.errors import RevertError
from reversion.models import Version

from catalog import versions
from catalog.models import Picture

CURRENT = "current"
LARGEST_ID = 2**63 - 1


def picture_thumbnail_url(picture: Picture) -> str:
    """A `PartKind.thumbnail_url` for pictures: their smallest rendition."""
    urls = picture.rendition_urls(webp=False)
    return urls[0][0] if urls else ""


class VersionCompareMixin:
    """History with "Compare" for a reversion `VersionAdmin`."""

    object_history_template = "admin/version_history.html"
    version_compare_template = "admin/version_compare.html"
    # Fields left out of the comparison besides those staff cannot edit.
    version_fields_exclude: tuple[str, ...] = ()
    version_parts: tuple[versions.Parts, ...] = ()

    def _version_url(self, name: str, *args) -> str:
        info = self.admin_site.name, self.opts.app_label, self.opts.model_name
        return reverse("{}:{}_{}_{}".format(*info, name), args=args)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.version_compare_view),
                name="{}_{}_compare".format(*info),
            )
        ] + super().get_urls()

    def _versions(self, request: HttpRequest, object_id: str):
        queryset = Version.objects.get_for_object_reference(self.model, object_id)
        return self._reversion_order_version_queryset(
            request, queryset.select_related("revision", "revision__user")
        )

    def history_view(self, request, object_id, extra_context=None):
        # Reversion's history lists the same versions without their ids,
        # which the choice of two needs; Django's view checks the
        # permission and that the object exists.
        object_id = unquote(object_id)
        rows = [
            {
                "version": version,
                "revision": version.revision,
                "url": self._version_url("revision", quote(object_id), version.pk),
            }
            for version in self._versions(request, object_id)
        ]
        # By default the version before the newest, against the object now.
        ids = sorted(row["version"].pk for row in rows)
        context = {
            "action_list": rows,
            "compare_url": self._version_url("compare", quote(object_id)),
            "compare_from": ids[-2] if len(ids) > 1 else (ids or [None])[0],
            "current": CURRENT,
            **(extra_context or {}),
        }
        return admin.ModelAdmin.history_view(self, request, quote(object_id), context)

    def _compared_fields(self):
        return versions.object_fields(self.model, exclude=self.version_fields_exclude)

    def version_compare_view(
        self, request: HttpRequest, object_id: str
    ) -> HttpResponse:
        object_id = unquote(object_id)
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this id.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        history_url = self._version_url("history", quote(object_id))
        chosen = [request.GET.get("from", ""), request.GET.get("to", CURRENT)]
        if not all(choice.isdigit() or choice == CURRENT for choice in chosen):
            return self._back_to_history(
                request, history_url, "Choose two versions to compare."
            )
        if chosen[0] == chosen[1]:
            return self._back_to_history(
                request, history_url, "Choose two different versions to compare."
            )
        # No database holds a larger key, and SQLite fails to look one up.
        ids = [int(c) for c in chosen if c != CURRENT and int(c) <= LARGEST_ID]
        found = {
            version.pk: version
            for version in self._versions(request, str(obj.pk)).filter(pk__in=ids)
        }
        missing = [number for number in ids if number not in found]
        if Version.objects.filter(pk__in=missing).exists():
            # Another object's version: nothing of this object's history.
            raise Http404(f"No such version of this {self.opts.verbose_name}.")
        if missing or len(ids) + chosen.count(CURRENT) < 2:
            # A link to a version that history pruning deleted since.
            return self._back_to_history(
                request,
                history_url,
                f"That version is not in the history of this "
                f"{self.opts.verbose_name} (any more).",
            )
        # The older version on the left, whichever radio button it was.
        chosen.sort(key=lambda choice: (choice == CURRENT, choice.zfill(20)))
        fields = self._compared_fields()
        snapshots, sides = [], []
        try:
            for choice in chosen:
                if choice == CURRENT:
                    snapshots.append(
                        versions.snapshot_of_object(
                            obj, fields=fields, parts=self.version_parts
                        )
                    )
                    sides.append({"current": True})
                    continue
                version = found[int(choice)]
                snapshots.append(
                    versions.snapshot_of_version(
                        version, fields=fields, parts=self.version_parts
                    )
                )
                sides.append(
                    {
                        "version": version,
                        "revision": version.revision,
                        "restore_url": self._version_url(
                            "revision", quote(object_id), version.pk
                        ),
                    }
                )
            sides[0]["name"], sides[1]["name"] = "Before", "After"
        except RevertError:
            return self._back_to_history(
                request,
                history_url,
                "That version was recorded in a form this site can no longer "
                "read, so it cannot be compared.",
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions of {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": capfirst(self.opts.verbose_name_plural),
            "comparison": versions.snapshots_compare(*snapshots),
            "sides": sides,
            "before": sides[0],
            "after": sides[1],
            "history_url": history_url,
            "can_restore": self.has_change_permission(request, obj),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.version_compare_template, context)

    def _back_to_history(
        self, request: HttpRequest, history_url: str, message: str
    ) -> HttpResponseRedirect:
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(history_url)
