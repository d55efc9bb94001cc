"""Django's password checks, saying what to do in plain English (GOV.UK style)."""

from django.contrib.auth import password_validation as django


class LongEnough(django.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return "Password must be %(min_length)d characters or more"

    def get_help_text(self) -> str:
        return f"Your password must be {self.min_length} characters or more."


class NotCommon(django.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return "Password is one that many people use. Choose a password that is harder to guess"

    def get_help_text(self) -> str:
        return "Your password must not be one that many people use."


class NotOnlyNumbers(django.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return "Password must include letters or symbols, not only numbers"

    def get_help_text(self) -> str:
        return "Your password must not be only numbers."


class NotLikePersonalDetails(django.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return "Password must not be like your %(verbose_name)s"

    def get_help_text(self) -> str:
        return "Your password must not be like your name, username or email address."
