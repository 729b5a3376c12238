"""HTML forms read as a browser would submit them, for tests over real HTTP.

Tests that talk to a running server (tests/test_two_servers.py) post the
site's own forms: the admin's change form has dozens of fields, inlines and
the CSRF token, and sending back what the page holds, with only the fields
under test changed, is what a person does in the browser.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Input types whose value a browser sends as it stands (checkboxes and
# radios only when checked; buttons, files and images never on their own).
_TEXT_TYPES = {
    "text",
    "hidden",
    "password",
    "email",
    "number",
    "url",
    "search",
    "tel",
    "date",
    "datetime-local",
    "time",
}


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def data(self, changes: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """The fields as the browser sends them, with `changes` made.

        A changed name keeps its place; a name the form lacks is added.
        """
        changes = dict(changes or {})
        data = [(name, changes.pop(name, value)) for name, value in self.fields]
        return data + list(changes.items())


class _FormsParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        if self._form is None or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            if kind in _TEXT_TYPES or (
                kind in ("checkbox", "radio") and "checked" in attributes
            ):
                default = "on" if kind in ("checkbox", "radio") else ""
                self._form.fields.append((name, attributes.get("value", default)))
        elif tag == "select" and name:
            self._select = name
            self._select_options = []
        elif tag == "option" and self._select is not None:
            self._select_options.append(
                (attributes.get("value", ""), "selected" in attributes)
            )
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [value for value, selected in self._select_options if selected]
            # A single select with nothing marked sends its first option.
            if not chosen and self._select_options:
                chosen = [self._select_options[0][0]]
            self._form.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form:
            # The parser keeps the newline after <textarea>; browsers drop it.
            self._form.fields.append(
                (self._textarea, "".join(self._text).removeprefix("\n"))
            )
            self._textarea = None


def form_with_field(html: str, name: str) -> Form:
    """The page's form that has a field called `name`."""
    parser = _FormsParser()
    parser.feed(html)
    for form in parser.forms:
        if name in form.names():
            return form
    raise AssertionError(f"no form with a field {name!r} in the page:\n{html[:2000]}")
