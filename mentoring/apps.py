from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Community mentoring"

    def ready(self) -> None:
        from cases import profile
        from mentoring.profile import referral_link

        profile.register(referral_link)
