from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.flatpages.views import flatpage
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.views.static import serve

from catalog.sitemaps import SITEMAPS
from config import views
from config.cspreport import csp_report
from config.pagecache import public_page

admin.autodiscover()
admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME
# The admin signs in through allauth's pages, so the lockout, the email
# verification and the second factor apply to staff exactly as to visitors.
admin.site.login = secure_admin_login(admin.site.login)

handler500 = "config.errors.server_error"
# allauth answers its rate limits through the URLconf's handler429.
handler429 = "config.ratelimits.rate_limited"


def _sitemap_page(params) -> str:
    return params.get("p", "1")


# Other apps' views that are public pages.
public_page(flatpage)
public_page(sitemap_views.index)
public_page(params=_sitemap_page)(sitemap_views.sitemap)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("csp-report/", csp_report, name="csp-report"),
    path(".well-known/security.txt", views.security_txt, name="security-txt"),
    path(settings.DJANGO_ADMIN_URL, admin.site.urls),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {
            "sitemaps": SITEMAPS,
            "sitemap_url_name": "sitemap-section",
            "content_type": "application/xml; charset=utf-8",
        },
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS, "content_type": "application/xml; charset=utf-8"},
        name="sitemap-section",
    ),
    path("pages/", include("django.contrib.flatpages.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("catalog.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
