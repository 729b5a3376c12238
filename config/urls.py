from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.flatpages.views import flatpage
from django.urls import include, path, re_path

from catalog import sitemaps
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


# Other apps' views that are public pages.
public_page(flatpage, kind="page")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("csp-report/", csp_report, name="csp-report"),
    path(".well-known/security.txt", views.security_txt, name="security-txt"),
    path(settings.DJANGO_ADMIN_URL, admin.site.urls),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("pages/", include("django.contrib.flatpages.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("catalog.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", views.media)
    ]
