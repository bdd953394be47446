from shop.payments.checks import payment_settings


def test_half_set_stripe_keys_and_an_impossible_card_window_are_reported(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", "", ""
    settings.CARD_PAYMENT_WINDOW_MINUTES = 10
    assert {problem.id for problem in payment_settings(None)} == {"payments.W001", "payments.E001"}


def test_the_default_settings_pass_the_payment_checks():
    assert payment_settings(None) == []
