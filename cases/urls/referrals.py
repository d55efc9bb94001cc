from django.urls import path

from cases.views import referrals

urlpatterns = [
    path("referrals/", referrals.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", referrals.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/decide/", referrals.referral_decide, name="referral_decide"),
    path("contexts/<int:pk>/referrals/new/", referrals.context_referral_create, name="context_referral_create"),
    path("children/<int:pk>/referrals/new/", referrals.child_referral_create, name="child_referral_create"),
]
