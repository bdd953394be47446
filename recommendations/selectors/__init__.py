"""Reads for the storefront's recommendation blocks, one concern per module:

- `placements`: what each page shows and in which order (the entry point of every placement,
  the whole-basket ranking; it exports the results and the personal placements too);
- `results`: the frozen results the placements hand out (`Recommendation`, …);
- `personal`: the blocks chosen from the customer's own history (recently viewed, recommended
  for you, today's best sellers, inspired by your orders, the restock reminder's items);
- `owned`: "Upgrade what you own", for the home page and the e-mail;
- `candidates`: per-product candidate lists (curation and statistics merged), cached;
- `products`: fresh prices and stock for the guards, then display data for what is shown;
- `guards`: what may never be offered (inactive, out of stock, excluded, already owned, …) and
  what one block never holds together (two tiers of a ladder, two best sellers of a category,
  two substitutes);
- `reasons`: why an item is shown, in words for the shopper;
- `tier_chart`: the tier comparison chart of a ladder;
- `request`: the holdout switch, the visitor's cart, the per-page memo, and each page's
  placements for a request (what the template tags and the JSON API both call).

The shared vocabulary (placements, sources) is `recommendations.vocabulary`, the cache
machinery `recommendations.caching`; the admin's reads are in `recommendations.admin.preview`.
"""
