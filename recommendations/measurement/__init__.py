"""What recommendations earn, measured honestly.

- Holdout (holdout.py, middleware.py): RECOMMENDATIONS_HOLDOUT_SHARE of visitors are kept in
  a control group that sees no recommendation; sticky per browser (a signed year-long
  cookie) and, once signed in, per customer; copied onto the cart and the order
  (Cart.rec_group, Order.rec_group), and the follow-up e-mails leave the control group out.
  A first visit writes nothing. Bots and staff are left out and never counted.
- Events (models.Event, services.py): impressions (buffered per request, one INSERT after
  the page rendered), clicks (the signed /r/<token>/ redirect, clicks.py, once per visitor)
  and adds to cart (recorded where the cart line is saved, receivers.py; credited only from
  the form's signed origin, shop.cart.origin).
- Purchases are not events: they are the order lines whose rec_* fields the checkout copied
  from the cart line, so each is credited once, to the placement it was added from. The
  attribution window (RECOMMENDATIONS_ATTRIBUTION_DAYS) is enforced on the cart lines by an
  hourly beat task (services.rec_origins_expire).
- The dashboard in the admin (admin.py): selectors.py reads, statistics.py compares the
  groups, presentation.py puts the figures into words, charts.py draws them.

The curation health report lives with the curation (recommendations/health.py), "explain a
pair" with the statistics (recommendations/copurchase/explain.py) and the shopper simulator
with the demo tooling (shop/demo/management/commands/simulate_shoppers.py).
"""
