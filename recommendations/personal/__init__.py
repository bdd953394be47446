"""What the shop knows about one customer, for the personal blocks: the products they looked
at (kept in a signed cookie for guests, on the account when signed in, merged at login) and
what they bought (read from their orders).

- `models`: `ViewedProduct`, a signed-in customer's recently viewed products (one row per
  product, upserted, at most RECOMMENDATIONS_RECENTLY_VIEWED_KEEP per customer);
- `services`: recording a product view, writing a guest's cookie (`middleware`), merging a
  guest's views into the account at login;
- `history`: reading both back for a request or a customer, and the cookie's encoding.

What the blocks show is decided by the one selection service
(`recommendations.selectors.personal`, exported by `placements`); the e-mails about what a
customer owns (upgrade, restock) go through `recommendations.followups.owned`.
"""
