"""Deterministic pseudo-random stock levels and flags for the demo catalogue.

Each product's numbers come from its own seeded generator (seed + SKU), so they do not
change when other products are added or a sample is loaded instead of the whole set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DEFAULT_SEED = 2011
OUT_OF_STOCK_RATE = 0.03
LOW_STOCK_RATE = 0.07  # 1–5 left: enough to show "only a few left"
INACTIVE_RATE = 0.01


@dataclass(frozen=True)
class StockLevel:
    stock: int
    is_active: bool


def stock_for(sku: str, *, seed: int = DEFAULT_SEED) -> StockLevel:
    rng = random.Random(f"{seed}:{sku}")
    draw = rng.random()
    if draw < OUT_OF_STOCK_RATE:
        stock = 0
    elif draw < OUT_OF_STOCK_RATE + LOW_STOCK_RATE:
        stock = rng.randint(1, 5)
    else:
        stock = rng.randint(12, 250)
    return StockLevel(stock=stock, is_active=rng.random() >= INACTIVE_RATE)
