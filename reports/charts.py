"""Charts drawn on the server as inline SVG.

No script and no style attribute, so the site's strict content security
policy allows them; colours come from classes in reports/reports.css. Each
chart carries a title and a description that says what it shows, and the
page lists the same figures in a table.
"""

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 8, 12, 24


def _points(values: list[int], top: int, width: int, height: int) -> str:
    inner_w = width - PAD_LEFT - PAD_RIGHT
    inner_h = height - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(1, len(values) - 1)
    return " ".join(
        f"{PAD_LEFT + n * step:.1f},{PAD_TOP + inner_h * (1 - value / top):.1f}"
        for n, value in enumerate(values)
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    days: list[date],
    series: list[tuple[str, list[int], str]],
    width: int = WIDTH,
    height: int = HEIGHT,
    css_class: str = "report-chart",
) -> SafeString:
    """Lines of daily figures, each (name, values, css class)."""
    top = max([1, *(max(values, default=0) for _, values, _ in series)])
    description = "; ".join(
        f"{name}: {sum(values)} in all, at most {max(values, default=0)} a day"
        for name, values, _ in series
    )
    parts = [
        format_html(
            '<svg class="{}" viewBox="0 0 {} {}" role="img" '
            'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}, {} to {}.</desc>',
            css_class,
            width,
            height,
            chart_id,
            chart_id,
            chart_id,
            title,
            chart_id,
            description,
            days[0].isoformat() if days else "",
            days[-1].isoformat() if days else "",
        ),
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<text class="label" x="{}" y="{}" text-anchor="end">0</text>',
            PAD_LEFT,
            PAD_TOP,
            PAD_LEFT,
            height - PAD_BOTTOM,
            PAD_LEFT,
            height - PAD_BOTTOM,
            width - PAD_RIGHT,
            height - PAD_BOTTOM,
            PAD_LEFT - 4,
            PAD_TOP + 8,
            top,
            PAD_LEFT - 4,
            height - PAD_BOTTOM,
        ),
    ]
    if days:
        parts.append(
            format_html(
                '<text class="label" x="{}" y="{}">{}</text>'
                '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
                PAD_LEFT,
                height - 6,
                days[0].strftime("%d %b"),
                width - PAD_RIGHT,
                height - 6,
                days[-1].strftime("%d %b"),
            )
        )
    for name, values, css_class in series:
        if len(values) == 1:
            values = values * 2
        parts.append(
            format_html(
                '<polyline class="{}" points="{}"><title>{}</title></polyline>',
                css_class,
                _points(values, top, width, height),
                name,
            )
        )
    # Every part is a SafeString from format_html.
    parts.append(format_html("{}", SafeString("</svg>")))
    return format_html_join("", "{}", ((part,) for part in parts))


def spark_chart(*, chart_id: str, title: str, days: list[date], values: list[int]):
    """A small chart of one figure, for a product's admin page."""
    return line_chart(
        chart_id=chart_id,
        title=title,
        days=days,
        series=[("views", values, "series-current")],
        width=320,
        height=100,
        css_class="report-chart report-spark",
    )
