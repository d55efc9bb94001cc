from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import middleware  # noqa: F401  (starts the session clock at sign-in)
