"""Abuse protection for a shop open to the public: the client address (trusting proxy
headers only when settings say a proxy is there), per-IP and per-visitor rate limits on
the forms that write or send e-mail, the login lockout's page, free-text clean-up, and the
error pages. The storefront's views stay as they are: limits are applied by middleware
from the RATE_LIMITS setting, the login lockout by django-axes."""
