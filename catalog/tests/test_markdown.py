from catalog.markdown import markdown_to_html


def test_markdown_is_rendered():
    html = markdown_to_html("**bold** and a [link](https://example.com)")

    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html


def test_scripts_and_event_handlers_are_removed():
    html = markdown_to_html(
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        "[x](javascript:alert(3))"
    )

    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
