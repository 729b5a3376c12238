from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.base.forms import AuthenticateForm
from axes.helpers import get_lockout_message
from django import forms
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest

from accounts import lockout
from accounts.models import User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, as slow for a taken address as for a new one.

    allauth already answers a taken address with the same page as a new one
    and mails the owner instead; this makes the two take the same time too.
    """

    def try_save(self, request: HttpRequest):
        password = self.cleaned_data.get("password1")
        if self.account_already_exists and password:
            # A new account costs a password hash, hundreds of milliseconds
            # with the production hasher, and a taken address would otherwise
            # skip it: the answer's timing alone would reveal the account.
            # The hash is thrown away; the owner's password is not touched.
            make_password(password)
        return super().try_save(request)


class ProfileNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("full_name",)
        help_texts = {"full_name": "Optional. Shown only to you and to staff."}


class AccountDeleteForm(forms.Form):
    """Ask for the password again before an account is deleted for good."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # allauth's reauthentication goes through the authentication
        # backends, so axes counts wrong passwords here too.
        if not get_adapter(self.request).reauthenticate(self.request.user, password):
            raise forms.ValidationError("That is not your password.")
        return password


class SecondFactorForm(AuthenticateForm):
    """The code step of a two-factor sign-in, under the password's lockout.

    A client locked out of the account is refused before its code is looked
    at, a wrong code counts as a failed sign-in for the account and address,
    and the failure that locks the pair also ends the pending sign-in, so
    the visitor starts again at the password, which axes refuses until the
    cool-off ends. The step has its own rate limit as well ("mfa_authenticate"
    in ACCOUNT_RATE_LIMITS), which holds back guesses spread over many
    addresses.
    """

    def clean_code(self) -> str:
        request = context.request
        if lockout.sign_in_locked_out(request, user=self.user):
            clear_login(request)
            raise forms.ValidationError(get_lockout_message(), code="locked_out")
        # The limit is taken before the code is checked, atomically in the
        # cache, so codes sent all at once cannot get past it; the lockout is
        # only written after a code fails.
        usage = ratelimit.consume(
            request,
            app="allauth.account",
            action="mfa_authenticate",
            key=f"mfa-authenticate-user-{self.user.pk}",
        )
        if usage is None:
            raise get_adapter().validation_error("too_many_login_attempts")
        try:
            code = super().clean_code()
        except forms.ValidationError as error:
            if error.code == "incorrect_code" and lockout.sign_in_failed(
                request, user=self.user
            ):
                clear_login(request)
            raise
        # Only wrong codes count towards the limit, as allauth does for
        # passwords: a right one gives its place back.
        usage.rollback()
        return code
