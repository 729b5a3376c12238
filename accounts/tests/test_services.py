"""Writes on accounts."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry

from accounts import services
from accounts.models import SavedProduct, User
from accounts.tests.factories import make_user
from catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_first_staff_account_has_a_verified_address():
    user, _ = services.staff_account_create_first(email="admin@example.com")

    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (
        "admin@example.com",
        True,
        True,
    )


def test_saving_twice_keeps_one_entry():
    user = make_user()
    product = make_product()

    first = services.saved_product_add(user=user, product=product)
    second = services.saved_product_add(user=user, product=product)

    assert first.pk == second.pk
    assert SavedProduct.objects.count() == 1


def test_removing_an_unsaved_product_is_fine():
    services.saved_product_remove(user=make_user(), product=make_product())

    assert not SavedProduct.objects.exists()


def test_sign_in_record_cuts_long_user_agents():
    event = services.sign_in_record(
        user=make_user(), ip_address="203.0.113.7", user_agent="x" * 1000
    )

    assert len(event.user_agent) == services.USER_AGENT_MAX_LENGTH


def test_account_delete_removes_admin_history_about_the_person():
    admin = make_user(is_staff=True, is_superuser=True)
    user = make_user(email="ada@example.com")
    LogEntry.objects.log_actions(
        user_id=admin.pk, queryset=[user], action_flag=CHANGE, change_message="x"
    )
    assert LogEntry.objects.filter(object_repr="ada@example.com").exists()

    services.account_delete(user=user)

    assert not LogEntry.objects.filter(object_repr="ada@example.com").exists()


def test_account_delete_logs_without_personal_data(caplog):
    user = make_user(email="ada@example.com")

    with caplog.at_level(logging.INFO, logger="accounts"):
        services.account_delete(user=user)

    assert [
        r.getMessage() for r in caplog.records if r.name == "accounts.services"
    ] == ["An account was deleted at its owner's request."]
    assert "ada@example.com" not in caplog.text


def test_a_superuser_may_leave_when_another_remains():
    make_user(is_staff=True, is_superuser=True)
    leaving = make_user(is_staff=True, is_superuser=True)

    services.account_delete(user=leaving)

    assert User.objects.filter(is_superuser=True).count() == 1


def test_the_last_active_superuser_is_refused():
    make_user(is_staff=True, is_superuser=True, is_active=False)
    last = make_user(is_staff=True, is_superuser=True)

    with pytest.raises(services.AccountDeletionRefused, match="last superuser"):
        services.account_delete(user=last)

    assert User.objects.filter(pk=last.pk).exists()
