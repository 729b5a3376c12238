"""What changed between two versions of an object in its history.

An object's version is read into a `Snapshot`: its fields and its ordered
parts (a product's images, a page's blocks), each value already in the
words staff read (a category's name rather than its id, "Yes" rather than
True) or an `Image` to show as a thumbnail. `snapshots_compare` is a pure
function of two snapshots: field by field, then part by part (added,
removed, moved, changed), with the changed words inside a text marked
<del> and <ins>. Every value is escaped before it is marked: the content is
staff's text, and the admin must never trust it as markup.

Which related rows are an object's parts is declared with `Parts` and
`PartKind` (see `catalog.admin_versions.VersionCompareMixin`). Parts are
identified by their model and primary key: a part found in both versions
at another place among the parts that kept their order is "moved".
"""

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator, capfirst
from reversion.models import Version


@dataclass(frozen=True)
class Image:
    """An image value, shown as a thumbnail."""

    url: str
    # The part's label: an image is the same image whatever it is called.
    name: str = field(compare=False)

    def __str__(self) -> str:
        return self.name


Value = str | Image


@dataclass(frozen=True)
class PartKind:
    """One model whose rows are ordered parts of an object.

    `parent_field` is the foreign key to the object; `order_by` the fields
    that put the parts in order (the primary key breaks ties). `label_field`
    names a part in the comparison; `fields` are the fields compared (by
    default every editable field but the key, the parent and the order).
    Image fields, and the file fields named in `image_fields`, are shown as
    thumbnails: the file itself, or the address `thumbnail_url(part)` gives
    where the model keeps a small rendition.
    """

    model: type[models.Model]
    parent_field: str
    order_by: tuple[str, ...] = ("position",)
    label_field: str = ""
    fields: tuple[str, ...] = ()
    image_fields: tuple[str, ...] = ()
    thumbnail_url: Callable[[models.Model], str] | None = None

    @property
    def name(self) -> str:
        return capfirst(str(self.model._meta.verbose_name))

    def compared_fields(self) -> list[models.Field]:
        skip = {self.parent_field, *self.order_by}
        if self.fields:
            return [self.model._meta.get_field(name) for name in self.fields]
        return [
            model_field
            for model_field in [
                *self.model._meta.concrete_fields,
                *self.model._meta.many_to_many,
            ]
            if model_field.editable
            and not model_field.primary_key
            and model_field.name not in skip
        ]


@dataclass(frozen=True)
class Parts:
    """A titled list of parts ("Images", "Blocks"), of one or more kinds,
    ordered together."""

    title: str
    kinds: tuple[PartKind, ...]


@dataclass(frozen=True)
class PartState:
    """A part as one version has it."""

    key: tuple[str, str]
    kind: str
    label: str
    order: tuple
    values: dict[str, Value]


@dataclass(frozen=True)
class Snapshot:
    """An object as one version has it: field values, then each list of
    parts in order."""

    fields: dict[str, Value]
    parts: dict[str, list[PartState]] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Value
    after: Value
    before_html: SafeString
    after_html: SafeString

    @property
    def images(self) -> bool:
        return isinstance(self.before, Image) or isinstance(self.after, Image)


@dataclass(frozen=True)
class PartChange:
    """One part's row in the comparison; positions count from 1."""

    status: str  # "added", "removed", "moved", "changed" or "unchanged"
    before: PartState | None
    after: PartState | None
    before_position: int | None
    after_position: int | None
    changes: list[FieldChange]

    @property
    def state(self) -> PartState:
        return self.after or self.before

    @property
    def images(self) -> list[tuple[Image | None, Image | None]]:
        """(before, after) of each image value the part has."""
        names = [
            name
            for state in (self.before, self.after)
            if state is not None
            for name, value in state.values.items()
            if isinstance(value, Image)
        ]
        return [
            (
                self.before and self.before.values.get(name),
                self.after and self.after.values.get(name),
            )
            for name in dict.fromkeys(names)
        ]


@dataclass(frozen=True)
class PartsComparison:
    title: str
    rows: list[PartChange]

    @property
    def changed(self) -> bool:
        return any(row.status != "unchanged" for row in self.rows)

    @property
    def mixed(self) -> bool:
        """Whether the parts are of more than one kind (a page's blocks)."""
        return len({row.state.kind for row in self.rows}) > 1


@dataclass(frozen=True)
class Comparison:
    fields: list[FieldChange]
    unchanged_fields: list[str]
    parts: list[PartsComparison]

    @property
    def changed(self) -> bool:
        return bool(self.fields) or any(parts.changed for parts in self.parts)


# The comparison: pure functions of snapshots.

# Words (with the points, commas, hyphens and apostrophes inside them, so
# that "100.00" and "don't" are one), runs of white space, and each other
# character on its own, so that a changed full stop does not mark the word
# before it.
TOKENS = re.compile(r"\w+(?:[.,'\u2019-]\w+)*|\s+|[^\w\s]")


def words_marked(before: str, after: str) -> tuple[SafeString, SafeString]:
    """Both texts escaped, with the words only `before` has in <del> and
    those only `after` has in <ins>."""
    old, new = TOKENS.findall(before), TOKENS.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    old_html, new_html = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old[i1:i2]), "".join(new[j1:j2])
        if op == "equal":
            old_html.append(escape(removed))
            new_html.append(escape(added))
            continue
        if removed:
            old_html.append(format_html("<del>{}</del>", removed))
        if added:
            new_html.append(format_html("<ins>{}</ins>", added))
    # Each piece is escaped or marked already; joining them keeps them so.
    return (
        format_html_join("", "{}", ((piece,) for piece in old_html)),
        format_html_join("", "{}", ((piece,) for piece in new_html)),
    )


def _value_changed(name: str, before: Value, after: Value) -> FieldChange:
    if isinstance(before, str) and isinstance(after, str) and before and after:
        before_html, after_html = words_marked(before, after)
    else:
        # A whole value added, removed or replaced: an image, or text that
        # was empty. Templates show an Image's thumbnail themselves.
        before_html = format_html("<del>{}</del>", before) if before else SafeString()
        after_html = format_html("<ins>{}</ins>", after) if after else SafeString()
    return FieldChange(name, before, after, before_html, after_html)


def fields_compare(
    before: dict[str, Value], after: dict[str, Value]
) -> tuple[list[FieldChange], list[str]]:
    """The changed fields, marked, and the names of the unchanged ones, in
    the order of `after` then of fields only `before` has."""
    changes, unchanged = [], []
    for name in dict.fromkeys([*after, *before]):
        old, new = before.get(name, ""), after.get(name, "")
        if old == new:
            unchanged.append(name)
        else:
            changes.append(_value_changed(name, old, new))
    return changes, unchanged


def _longest_common_order(first: list, second: list) -> set:
    """The items of the longest sequence that both lists hold in the same
    order (their items are distinct)."""
    lengths = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) - 1, -1, -1):
        for j in range(len(second) - 1, -1, -1):
            if first[i] == second[j]:
                lengths[i][j] = lengths[i + 1][j + 1] + 1
            else:
                lengths[i][j] = max(lengths[i + 1][j], lengths[i][j + 1])
    kept, i, j = set(), 0, 0
    while i < len(first) and j < len(second):
        if first[i] == second[j]:
            kept.add(first[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def parts_compare(before: list[PartState], after: list[PartState]) -> list[PartChange]:
    """Each part once, in the order of `after`, a removed part where it was.

    The parts both versions have keep their place when they are among the
    longest run that both hold in the same order; the others are "moved".
    """
    old_at = {part.key: index for index, part in enumerate(before)}
    new_at = {part.key: index for index, part in enumerate(after)}
    kept = _longest_common_order(
        [part.key for part in before if part.key in new_at],
        [part.key for part in after if part.key in old_at],
    )

    def row(old_index: int | None, new_index: int | None) -> PartChange:
        old = before[old_index] if old_index is not None else None
        new = after[new_index] if new_index is not None else None
        changes = []
        if old is None:
            status = "added"
        elif new is None:
            status = "removed"
        else:
            changes, _ = fields_compare(old.values, new.values)
            if old.key not in kept:
                status = "moved"
            else:
                status = "changed" if changes else "unchanged"
        return PartChange(
            status,
            old,
            new,
            None if old_index is None else old_index + 1,
            None if new_index is None else new_index + 1,
            changes,
        )

    rows, i, j = [], 0, 0
    while i < len(before) or j < len(after):
        if i < len(before) and before[i].key not in new_at:
            rows.append(row(i, None))
            i += 1
        elif i < len(before) and before[i].key not in kept:
            i += 1  # Moved: shown where it is now.
        elif j < len(after) and after[j].key not in kept:
            rows.append(row(old_at.get(after[j].key), j))
            j += 1
        else:
            # Both stand at the same kept part: the longest common order
            # pairs them in turn.
            rows.append(row(i, j))
            i, j = i + 1, j + 1
    return rows


def snapshots_compare(before: Snapshot, after: Snapshot) -> Comparison:
    changes, unchanged = fields_compare(before.fields, after.fields)
    parts = [
        PartsComparison(title, parts_compare(before.parts.get(title, []), states))
        for title, states in after.parts.items()
    ]
    return Comparison(changes, unchanged, parts)


# Reading versions into snapshots.


def _display(
    instance: models.Model,
    model_field: models.Field,
    *,
    image: bool = False,
    image_url: Callable[[models.Model], str] | None = None,
    image_name: str = "",
) -> Value:
    """A field's value in the words the admin shows it in: a file as an
    Image when it is an image field or `image` says so, else its name."""
    value = getattr(instance, model_field.attname)
    if isinstance(model_field, models.FileField):
        name = value.name if hasattr(value, "name") else str(value or "")
        if not name:
            return ""
        if not (image or isinstance(model_field, models.ImageField)):
            return name
        url = image_url(instance) if image_url else ""
        return Image(url or model_field.storage.url(name), image_name or name)
    if value is None or value == "":
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (deleted)"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def _field_label(model_field: models.Field) -> str:
    return capfirst(str(model_field.verbose_name))


def object_fields(
    model: type[models.Model], *, exclude: Iterable[str] = ()
) -> list[models.Field]:
    """The fields of `model` that staff edit, in the model's order."""
    skip = set(exclude)
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if model_field.editable
        and not model_field.primary_key
        and model_field.name not in skip
    ]


def _related_names(model_field: models.ManyToManyField, keys: list) -> str:
    """The chosen objects of a many-to-many field, in the order chosen."""
    related = model_field.related_model._default_manager.in_bulk(keys)
    return ", ".join(
        str(related[key]) if key in related else f"#{key} (deleted)" for key in keys
    )


def _part_state(kind: PartKind, part: models.Model, chosen: dict) -> PartState:
    """`chosen` holds the keys of each many-to-many field's objects."""
    label = str(getattr(part, kind.label_field, "")) if kind.label_field else ""
    label = Truncator(label or str(part)).chars(80)
    values = {}
    for model_field in kind.compared_fields():
        if model_field.many_to_many:
            value = _related_names(model_field, chosen.get(model_field.name, []))
        else:
            value = _display(
                part,
                model_field,
                image=model_field.name in kind.image_fields,
                image_url=kind.thumbnail_url,
                image_name=label,
            )
        values[_field_label(model_field)] = value
    order = tuple(getattr(part, name) for name in kind.order_by) + (part.pk,)
    key = (kind.model._meta.label, str(part.pk))
    return PartState(key, kind.name, label, order, values)


def parts_in_order(states: list[PartState]) -> list[PartState]:
    """Parts of every kind in one order (a page's blocks of several models,
    by region and then ordering); an order value of None sorts first."""
    return sorted(
        states,
        key=lambda state: tuple((value is not None, value) for value in state.order),
    )


def snapshot_of_object(
    instance: models.Model,
    *,
    fields: list[models.Field],
    parts: Iterable[Parts],
) -> Snapshot:
    """The object as it is now, with its parts read from the database."""
    values = {_field_label(f): _display(instance, f) for f in fields}
    lists = {}
    for declared in parts:
        states = []
        for kind in declared.kinds:
            rows = kind.model._default_manager.filter(
                **{kind.parent_field: instance.pk}
            )
            many = [f for f in kind.compared_fields() if f.many_to_many]
            if many:
                rows = rows.prefetch_related(*(f.name for f in many))
            for row in rows:
                chosen = {
                    f.name: [o.pk for o in getattr(row, f.name).all()] for f in many
                }
                states.append(_part_state(kind, row, chosen))
        lists[declared.title] = parts_in_order(states)
    return Snapshot(values, lists)


def _instance(model: type[models.Model], field_dict: dict) -> models.Model:
    # Many-to-many values are lists a model instance cannot take.
    columns = {model_field.attname for model_field in model._meta.concrete_fields}
    return model(**{name: v for name, v in field_dict.items() if name in columns})


def snapshot_of_version(
    version: Version,
    *,
    fields: list[models.Field],
    parts: Iterable[Parts],
) -> Snapshot:
    """The object as `version` recorded it, with the parts its revision
    recorded beside it.

    Raises reversion's RevertError when the stored data no longer loads.
    """
    instance = _instance(version._model, version.field_dict)
    values = {_field_label(f): _display(instance, f) for f in fields}
    revision_versions = list(version.revision.version_set.all())
    lists = {}
    for declared in parts:
        states = []
        for kind in declared.kinds:
            parent = kind.model._meta.get_field(kind.parent_field).attname
            label = kind.model._meta.label
            for recorded in revision_versions:
                if recorded._model is None or recorded._model._meta.label != label:
                    continue
                field_dict = recorded.field_dict
                part = _instance(kind.model, field_dict)
                if str(getattr(part, parent)) == str(version.object_id):
                    states.append(_part_state(kind, part, field_dict))
        lists[declared.title] = parts_in_order(states)
    return Snapshot(values, lists)
