from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

User = get_user_model()


class SignUpForm(UserCreationForm):
    """Sign up with an e-mail address and a password; the e-mail is also the username."""

    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))

    class Meta:
        model = User
        fields = ("email",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The validators still run in full; the page just says it in one line.
        self.fields["password1"].help_text = "At least 8 characters, not a common password and not only numbers."
        self.fields["password2"].label = "Repeat password"
        self.fields["password2"].help_text = ""

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists. Try logging in instead.")
        return email

    def _post_clean(self):
        # Give the password validators (UserAttributeSimilarityValidator) the username too.
        if self.cleaned_data.get("email"):
            self.instance.username = self.cleaned_data["email"]
        super()._post_clean()

    def save(self, commit=True):
        user = super().save(commit=False)
        user.username = user.email = self.cleaned_data["email"]
        if commit:
            user.save()
        return user


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, asking for the e-mail address customers signed up with."""

    username = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password don't match an account. Please try again.",
    }

    def clean_username(self):
        """Customers sign up with their e-mail as username; staff created with
        `createsuperuser` have a plain username and may use either."""
        value = self.cleaned_data["username"].strip()
        if User.objects.filter(username=value).exists():
            return value
        usernames = list(User.objects.filter(email__iexact=value).values_list("username", flat=True)[:2])
        return usernames[0] if len(usernames) == 1 else value.lower()


class EmailPreferencesForm(forms.Form):
    marketing = forms.BooleanField(
        label="E-mail me now and then about things that go with what I buy",
        required=False,
        help_text="At most a note after delivery and a reminder of a cart left behind. Order e-mails always come.",
    )
