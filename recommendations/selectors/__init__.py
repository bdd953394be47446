"""Reads for the storefront's recommendation blocks, one concern per module:

- `placements`: what each page shows and in which order (the entry point of every placement,
  the whole-basket ranking and the result dataclasses);
- `candidates`: per-product candidate lists (curation and statistics merged), cached;
- `products`: fresh prices and stock for the guards, then display data for what is shown;
- `guards`: what may never be offered (inactive, out of stock, excluded, already owned, …);
- `reasons`: why an item is shown, in words for the shopper;
- `tier_chart`: the tier comparison chart of a ladder;
- `request`: the holdout switch, the visitor's cart, the per-page memo, and each page's
  placements for a request (what the template tags and the JSON API both call).

The shared vocabulary (placements, sources) is `recommendations.vocabulary`, the cache
machinery `recommendations.caching`; the admin's reads are in `recommendations.admin.preview`.
"""
