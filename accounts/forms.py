from django import forms
from django.contrib.auth import authenticate

from accounts import throttle
from accounts.models import EmailChoice
from audit import context
from safeguarding.forms import GovukForm

SIGN_IN_ERROR = "Enter a correct username and password"


class SignInForm(GovukForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Enter your username"},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        self.locked = False
        self.paused = False  # this attempt is the one that paused sign-in for the username
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if not username or not password:
            return cleaned
        request_context = context.current.get()
        ip = request_context.ip_address if request_context else None
        if throttle.is_locked(username, ip):
            self.locked = True
            raise forms.ValidationError(f"{throttle.locked_message()}, or ask your system administrator.")
        self.user = authenticate(self.request, username=username, password=password)
        if self.user is None:
            self.paused = throttle.record_failure(username, ip)
            raise forms.ValidationError(SIGN_IN_ERROR)
        throttle.clear(username)
        return cleaned


class CodeForm(GovukForm):
    """The 6-digit code from an authenticator app (or, when signing in, a backup code)."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )

    def __init__(self, *args, check, wrong_code: str, **kwargs):
        self.check = check
        self.wrong_code = wrong_code
        self.device = None
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["class"] = "govuk-input govuk-input--width-10"

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).lower()
        self.device = self.check(code)
        if self.device is None:
            raise forms.ValidationError(self.wrong_code)
        return code


class AlertEmailsForm(GovukForm):
    notification_emails = forms.ChoiceField(
        label="How do you want alert emails?",
        choices=EmailChoice.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you want alert emails",
            "invalid_choice": "Select how you want alert emails",
        },
    )


class EndSessionsForm(GovukForm):
    """The password (or, for those who sign in through their organisation, an authenticator code)
    asked for again before ending sessions."""

    secret = forms.CharField(
        label="Your password",
        max_length=128,
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, asks_for_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["secret"]
        if not asks_for_password:
            field.label = "A code from your authenticator app"
            field.error_messages["required"] = "Enter the code from your authenticator app"
            field.widget = forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"})
        field.widget.attrs["class"] = "govuk-input govuk-input--width-20"


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete, "class": "govuk-input govuk-input--width-20"})


class ChangePasswordForm(GovukForm):
    """The current password and the new one twice; the checks are the service's."""

    current_password = forms.CharField(
        label="Your current password",
        max_length=128,
        strip=False,
        error_messages={"required": "Enter your current password"},
        widget=_password_input("current-password"),
    )
    new_password = forms.CharField(
        label="New password",
        max_length=128,
        strip=False,
        help_text="At least 12 characters, not one that many people use and not like your name or username. "
        "A few words you will remember make a good password.",
        error_messages={"required": "Enter a new password"},
        widget=_password_input("new-password"),
    )
    repeat_password = forms.CharField(
        label="New password again",
        max_length=128,
        strip=False,
        error_messages={"required": "Enter your new password again"},
        widget=_password_input("new-password"),
    )


class ForgottenPasswordForm(GovukForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The work email address your account here has.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input govuk-!-width-two-thirds",
            }
        ),
    )


class ResetPasswordForm(GovukForm):
    """The new password twice; the checks are the service's."""

    new_password = ChangePasswordForm.base_fields["new_password"]
    repeat_password = ChangePasswordForm.base_fields["repeat_password"]
