// The "select all" box of django-import-export's export page, wired here
// instead of by an inline onchange attribute, which the content security
// policy refuses. onSelectToggleChange comes with the export form's media.
document.addEventListener("DOMContentLoaded", () => {
  for (const toggle of document.querySelectorAll(".select-toggle")) {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
