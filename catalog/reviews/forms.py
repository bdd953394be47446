from django import forms

from .models import MAX_RATING, MIN_RATING, Review

TITLE_MAX = 120
TEXT_MIN = 20
TEXT_MAX = 5000
RATING_CHOICES = [(stars, f"{stars} star{'s' if stars > 1 else ''}") for stars in range(MAX_RATING, MIN_RATING - 1, -1)]


class ReviewForm(forms.Form):
    """What a customer writes: 1–5 stars, a title and a few words."""

    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a rating from 1 to 5 stars.",
            "invalid_choice": "Choose a rating from 1 to 5 stars.",
        },
    )
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX,
        widget=forms.TextInput(attrs={"placeholder": "Sums it up in a few words", "autocomplete": "off"}),
        error_messages={
            "required": "Give your review a title.",
            "max_length": f"Keep the title to {TITLE_MAX} characters or fewer.",
        },
    )
    text = forms.CharField(
        label="Your review",
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "What did you like or dislike? How do you use it?"}),
        error_messages={
            "required": "Tell other shoppers what you think.",
            "min_length": f"Tell other shoppers a little more: at least {TEXT_MIN} characters.",
            "max_length": f"Keep your review to {TEXT_MAX} characters or fewer.",
        },
    )

    @classmethod
    def for_review(cls, review: Review | None, **kwargs):
        initial = {"rating": review.rating, "title": review.title, "text": review.text} if review else None
        return cls(initial=initial, **kwargs)


class ReviewAdminForm(forms.ModelForm):
    """The moderation part of the admin's change form; a rejection needs its reason."""

    class Meta:
        model = Review
        fields = ["status", "rejection_reason", "staff_reply"]
        widgets = {
            "rejection_reason": forms.Textarea(attrs={"rows": 2}),
            "staff_reply": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Review.Status.REJECTED and not (cleaned.get("rejection_reason") or "").strip():
            self.add_error("rejection_reason", "Give a reason for rejecting: the customer sees it.")
        return cleaned


class RejectReasonForm(forms.Form):
    """The reason asked for by the "Reject selected reviews" action."""

    reason = forms.CharField(
        label="Reason shown to the customers",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": "Give a reason for rejecting: the customers see it."},
    )
