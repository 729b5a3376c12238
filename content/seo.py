"""Structured data and link previews for content pages."""

from django.http import HttpRequest

from catalog.seo import breadcrumb_json_ld
from config.siteurl import site_url
from content.models import Banner, ImageBlock, Page, Question


def page_share_image(request: HttpRequest, page: Page, blocks: list) -> str:
    """The absolute address of the page's link preview image, or ""."""
    if page.share_image:
        return site_url(request, page.share_image.url)
    for block in blocks:
        if isinstance(block, ImageBlock | Banner) and block.image:
            return site_url(request, block.largest_url())
    return ""


def page_json_ld(
    request: HttpRequest, page: Page, lineage: list[Page], blocks: list
) -> list[dict]:
    """A `WebPage`, its `BreadcrumbList`, and a `FAQPage` for its questions."""
    url = site_url(request, page.get_absolute_url())
    data = [
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "name": page.seo_title or page.title,
            "url": url,
            "description": page.seo_description,
            "dateModified": page.updated_at.isoformat(),
        }
    ]
    if not page.is_home:
        crumbs = [("Home", "/")]
        crumbs += [(parent.title, parent.get_absolute_url()) for parent in lineage]
        crumbs.append((page.title, page.get_absolute_url()))
        data.append(breadcrumb_json_ld(request, crumbs))
    questions = [block for block in blocks if isinstance(block, Question)]
    if questions:
        data.append(
            {
                "@context": "https://schema.org",
                "@type": "FAQPage",
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": question.question,
                        "acceptedAnswer": {
                            "@type": "Answer",
                            "text": question.answer,
                        },
                    }
                    for question in questions
                ],
            }
        )
    return data
