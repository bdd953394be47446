from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from shop.orders.selectors import orders_for_customer

from .forms import EmailAuthenticationForm, EmailPreferencesForm, SignUpForm
from .selectors import marketing_consent_for_user
from .services import marketing_consent_set_for_user

ORDERS_PER_PAGE = 20


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image tag can't sign anyone out."""


# Password reset: Django's views, pointed at this app's namespaced URLs and templates.
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Without the sites framework Django would name the shop after the host; read per
        # request so settings overrides apply.
        self.extra_email_context = {"site_name": settings.SITE_NAME}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:orders")
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            user = form.save()
            # login() fires user_logged_in: the cart filled in before signing up is kept.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(_safe_next(request) or reverse("accounts:orders"))
    else:
        form = SignUpForm()
    return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request)})


@require_safe
@login_required
def orders(request):
    page = Paginator(orders_for_customer(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/orders.html", {"page": page, "orders": page.object_list})


@require_http_methods(["GET", "POST"])
@login_required
def email_preferences(request):
    """The signed-in customer's marketing e-mail consent."""
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST)
        if form.is_valid():
            opted_in = form.cleaned_data["marketing"]
            marketing_consent_set_for_user(user=request.user, opted_in=opted_in)
            messages.success(
                request,
                "Thanks: we’ll send you the occasional idea." if opted_in else "Done: no more marketing e-mails.",
            )
            return redirect("accounts:email_preferences")
    else:
        form = EmailPreferencesForm(initial={"marketing": marketing_consent_for_user(user=request.user)})
    return render(request, "accounts/email_preferences.html", {"form": form})
