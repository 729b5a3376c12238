from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.http import HttpRequest

from accounts.models import User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


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
