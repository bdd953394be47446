from django.shortcuts import render


def home(request):
    """The home page: featured categories and products (filled in by the catalog work)."""
    return render(request, "home.html", {})
