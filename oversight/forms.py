from django import forms

from safeguarding.forms import GovukForm


class ChildTrailForm(GovukForm):
    reference = forms.CharField(
        label="Partnership reference of the child",
        max_length=20,
        error_messages={"required": "Enter the child's partnership reference"},
    )


class UserTrailForm(GovukForm):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter a username"})


class BreakGlassReviewForm(GovukForm):
    note = forms.CharField(
        label="Review note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter a review note"},
    )
    revoke = forms.BooleanField(label="End this access now", required=False)
