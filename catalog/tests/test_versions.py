"""The comparison of two versions, on fixed snapshots (no database)."""

from catalog.versions import (
    Image,
    PartState,
    Snapshot,
    fields_compare,
    parts_compare,
    parts_in_order,
    snapshots_compare,
    words_marked,
)


def _part(pk: int, label: str = "", kind: str = "catalog.ProductImage", **values):
    values = {"Alt text": label or f"part {pk}", **values}
    return PartState((kind, str(pk)), "Image", label or f"part {pk}", (pk,), values)


def test_only_the_changed_words_are_marked():
    before, after = words_marked(
        "A solid oak desk, hand finished.", "A solid walnut desk, hand finished!"
    )

    assert before == "A solid <del>oak</del> desk, hand finished<del>.</del>"
    assert after == "A solid <ins>walnut</ins> desk, hand finished<ins>!</ins>"


def test_marked_texts_are_escaped_before_they_are_marked():
    before, after = words_marked(
        "Safe <b>bold</b> & plain", 'Safe <script>alert("x")</script> & plain'
    )

    assert before == (
        "Safe &lt;<del>b</del>&gt;<del>bold</del>&lt;/<del>b</del>&gt; &amp; plain"
    )
    assert after == (
        "Safe &lt;<ins>script</ins>&gt;<ins>alert(&quot;x&quot;)</ins>"
        "&lt;/<ins>script</ins>&gt; &amp; plain"
    )


def test_fields_compare_lists_changed_fields_marked_and_names_the_others():
    changes, unchanged = fields_compare(
        {"Name": "Oak Desk", "Price": "100.00", "Summary": "", "SKU": "D-1"},
        {"Name": "Oak Desk", "Price": "150.00", "Summary": "New <text>", "SKU": "D-1"},
    )

    assert [change.name for change in changes] == ["Price", "Summary"]
    assert changes[0].before_html == "<del>100.00</del>"
    assert changes[0].after_html == "<ins>150.00</ins>"
    # A text that was empty is marked whole, and escaped.
    assert changes[1].before_html == ""
    assert changes[1].after_html == "<ins>New &lt;text&gt;</ins>"
    assert unchanged == ["Name", "SKU"]


def test_parts_added_removed_moved_and_changed_each_show_once_in_order():
    before = [_part(1), _part(2), _part(3, "Side view"), _part(4), _part(5)]
    after = [_part(2), _part(3, "Side view, lamp on"), _part(4), _part(1), _part(6)]

    rows = parts_compare(before, after)

    assert [(row.state.key[1], row.status) for row in rows] == [
        ("2", "unchanged"),
        ("3", "changed"),
        ("4", "unchanged"),
        ("5", "removed"),
        ("1", "moved"),
        ("6", "added"),
    ]
    moved = rows[4]
    assert (moved.before_position, moved.after_position) == (1, 4)
    removed, added = rows[3], rows[5]
    assert (removed.before_position, removed.after_position) == (5, None)
    assert (added.before_position, added.after_position) == (None, 5)
    changed = rows[1]
    assert [change.name for change in changed.changes] == ["Alt text"]
    assert changed.changes[0].after_html == "Side view<ins>, lamp on</ins>"


def test_a_part_moved_and_edited_is_moved_with_its_changes():
    rows = parts_compare(
        [_part(1, "Front"), _part(2), _part(3)],
        [_part(2), _part(3), _part(1, "Front, closer")],
    )

    moved = [row for row in rows if row.state.key == ("catalog.ProductImage", "1")]
    assert len(moved) == 1
    assert moved[0].status == "moved"
    assert moved[0].changes[0].before_html == "Front"


def test_parts_of_different_kinds_with_the_same_id_are_different_parts():
    text = _part(1, "Welcome", kind="content.RichText")
    image = _part(1, "Welcome", kind="content.ImageBlock")

    rows = parts_compare([text], [image])

    assert [row.status for row in rows] == ["removed", "added"]


def test_a_replaced_image_is_a_change_with_both_thumbnails():
    old = _part(1, Image=Image("/media/a-320.jpg", "Front"))
    new = _part(1, Image=Image("/media/b-320.jpg", "Front"))

    (row,) = parts_compare([old], [new])

    assert row.status == "changed"
    assert row.changes[0].images
    assert row.images == [
        (Image("/media/a-320.jpg", "Front"), Image("/media/b-320.jpg", "Front"))
    ]


def test_snapshots_compare_reports_no_change_for_equal_versions():
    snapshot = Snapshot({"Name": "Oak Desk"}, {"Images": [_part(1)]})

    comparison = snapshots_compare(snapshot, snapshot)

    assert not comparison.changed
    assert comparison.unchanged_fields == ["Name"]
    assert [row.status for row in comparison.parts[0].rows] == ["unchanged"]


def test_parts_of_several_kinds_are_ordered_together_by_region_then_place():
    def block(kind: str, pk: int, region: str, ordering: int | None) -> PartState:
        return PartState(
            (kind, str(pk)), kind, f"{kind} {pk}", (region, ordering, pk), {}
        )

    parts = [
        block("content.RichText", 1, "main", 30),
        block("content.ImageBlock", 1, "main", 10),
        block("content.RichText", 2, "aside", 10),
        block("content.Banner", 7, "main", None),
        block("content.RichText", 3, "main", 20),
    ]

    assert [part.label for part in parts_in_order(parts)] == [
        "content.RichText 2",
        "content.Banner 7",
        "content.ImageBlock 1",
        "content.RichText 3",
        "content.RichText 1",
    ]
