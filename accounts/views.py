"""Account pages of our own; allauth serves sign-in, sign-up and the rest."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import AccountDeleteForm, ProfileNameForm
from accounts.models import SavedProduct
from catalog.models import Product
from config.next_url import is_safe_next_url


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Name, email, password and saved products in one place."""
    form = ProfileNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_name(
            user=request.user, full_name=form.cleaned_data["full_name"]
        )
        messages.success(request, "Your name was saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "saved_products": SavedProduct.objects.for_user(request.user),
        },
    )


def _back_to(request: HttpRequest, product: Product) -> HttpResponseRedirect:
    """Where a save form sends the visitor: its `next`, or the product page."""
    # Forms may say where they were shown (a list, the profile); only a page
    # of this site is a safe place to go back to. The target is a URL, never
    # a URL name, so it does not go through redirect().
    target = request.POST.get("next", "")
    if not is_safe_next_url(target, request=request):
        target = product.get_absolute_url()
    return HttpResponseRedirect(target)


@login_required
@require_POST
def saved_product_add(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.visible(), slug=slug)
    # The answer is settled before anything is written, so a request that
    # cannot be answered leaves the saved list as it was.
    response = _back_to(request, product)
    services.saved_product_add(user=request.user, product=product)
    messages.success(request, f"{product.name} is saved to your profile.")
    return response


@login_required
@require_POST
def saved_product_remove(request: HttpRequest, slug: str) -> HttpResponse:
    # A product that was unpublished since can still be taken off the list,
    # but only one this person saved: any other slug must not reveal
    # whether a hidden product exists, nor its name.
    saved = get_object_or_404(
        SavedProduct.objects.select_related("product"),
        user=request.user,
        product__slug=slug,
    )
    product = saved.product
    response = _back_to(request, product)
    services.saved_product_remove(user=request.user, product=product)
    messages.success(request, f"{product.name} is no longer saved.")
    return response


@never_cache
@login_required
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    """Send everything kept about the account as a JSON file."""
    data = selectors.account_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"showroom-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account after the password is given again."""
    form = AccountDeleteForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user)
        except services.AccountDeletionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            logout(request)
            messages.success(request, "Your account and its data were deleted.")
            return redirect("/")
    return render(request, "accounts/account_delete.html", {"form": form})
