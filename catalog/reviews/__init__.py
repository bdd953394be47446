"""Ratings and reviews: only verified buyers write them (a signed-in customer with a paid or
shipped order for the product, or a guest through the signed link in the "How was it?"
e-mail), staff moderate them in the admin, and every published review is counted into the
columns on catalog.Product that cards, the product page and recommendation blocks read,
so showing "★ 4.6 (128)" never costs a query per product."""
