"""The site's URLs plus Django's stock admin for the models Showroom
customizes, at /plain-admin/.

The accessibility tests compare each admin page Showroom customizes with the
same page here: the same Django widgets (inline images, autocomplete, split
date and time) without Showroom's admin classes, templates or styles. What
axe finds on both is Django's own; what it finds only on Showroom's page is
Showroom's to fix.
"""

from allauth.account.models import EmailAddress
from django.contrib import admin
from django.urls import path

from catalog.models import Category, Product, ProductImage
from config.urls import handler429, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns

plain_site = admin.AdminSite(name="plain")


class PlainImageInline(admin.TabularInline):
    model = ProductImage
    extra = 1


class PlainProductAdmin(admin.ModelAdmin):
    autocomplete_fields = ("category",)
    inlines = [PlainImageInline]
    # Django would otherwise find Showroom's templates/admin/catalog/product/.
    change_form_template = "admin/change_form.html"
    change_list_template = "admin/change_list.html"


class PlainCategoryAdmin(admin.ModelAdmin):
    search_fields = ("name",)


plain_site.register(Product, PlainProductAdmin)
plain_site.register(Category, PlainCategoryAdmin)
plain_site.register(EmailAddress)

urlpatterns = [path("plain-admin/", plain_site.urls), *site_urlpatterns]
