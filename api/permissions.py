"""Who may do what: a token's user's model permissions, as in the admin."""

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class CatalogPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Reads for everyone; writes need the user's add, change or delete
    permission on the view's model (the Editors group has them, Viewers do
    not).
    """


def reads_drafts(user) -> bool:
    """Whether `user` may read products visitors cannot see (staff with the
    view permission: Editors and Viewers)."""
    return bool(user and user.is_staff and user.has_perm("catalog.view_product"))
