from django import forms

from feeds.services import Decision
from safeguarding.forms import GovukForm


class FeedUploadForm(GovukForm):
    file = forms.FileField(
        label="Upload a data feed",
        help_text="A CSV file saved as UTF-8, with the columns described in the feed format guide",
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
        allow_empty_file=True,  # the service gives the plain-English message
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload", "accept": ".csv,text/csv"}),
    )


class ReviewDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Is this the same person?",
        choices=Decision.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether this is the same person"},
    )
