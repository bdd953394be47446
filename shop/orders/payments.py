"""Payment providers: how a placed order gets paid.

A provider has a `code` (stored on the order), a `label` and `description` shown to the
shopper, and `start(order)`, called inside the order's transaction once it is placed.
It returns what the confirmation page should tell the shopper and, for a provider that
takes payment elsewhere, where to send them. Tandem ships one provider that needs no
network: the customer pays by bank transfer and staff mark the order paid in the admin.

They live with orders, not checkout: the order pages and e-mail show a provider's
instructions, and checkout, which places orders, sits above orders, never below.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PaymentStart:
    instructions: str
    redirect_url: str = ""  # set by providers that take payment on another site


class PaymentProvider:
    code: str = ""
    label: str = ""
    description: str = ""

    def start(self, order) -> PaymentStart:
        """Begin taking payment for a just-placed order."""
        raise NotImplementedError

    def instructions(self, order) -> str:
        """What the customer has to do to pay, for the confirmation page and e-mail."""
        return ""


class BankTransferProvider(PaymentProvider):
    """Nothing is charged online: the order waits as "awaiting payment" until staff see the
    transfer and mark it paid."""

    code = "bank_transfer"
    label = "Bank transfer"
    description = (
        "No card needed and nothing is charged online. We e-mail you our bank details; "
        "your order waits as “awaiting payment” until your transfer arrives, then we send it."
    )

    def start(self, order) -> PaymentStart:
        # Nothing to contact: the order simply stays awaiting payment.
        return PaymentStart(instructions=self.instructions(order))

    def instructions(self, order) -> str:
        bank = settings.SHOP_BANK_DETAILS
        return (
            f"Please transfer £{order.total} to {bank['account_name']}, sort code {bank['sort_code']}, "
            f"account {bank['account_number']}, quoting your order number {order.number} as the reference. "
            "We send your order as soon as the payment arrives."
        )


PROVIDERS: dict[str, PaymentProvider] = {provider.code: provider for provider in (BankTransferProvider(),)}


def payment_choices() -> list[tuple[str, str]]:
    return [(code, provider.label) for code, provider in PROVIDERS.items()]
