"""The counting core and scoring on hand-made baskets (no database)."""

import io
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.copurchase.counting import WEIGHT_SCALE, Counts, baskets_from_lines, count_lines, upper_gram
from recommendations.copurchase.scoring import ScoreParams, score_counts


def lines(baskets):
    order_ids = [o for o, basket in enumerate(baskets) for _ in basket]
    product_ids = [p for basket in baskets for p in basket]
    return {"order_ids": np.array(order_ids), "product_ids": np.array(product_ids)}


BASKETS = [[10, 20], [10, 20, 30], [10, 30], [20, 30, 40], [10, 20, 10]]


def pair(counts, a, b):
    i, j = sorted(np.searchsorted(counts.item_ids, [a, b]))
    return counts.pairs[i, j], counts.weighted[i, j] / WEIGHT_SCALE


def test_an_order_counts_a_product_once_however_many_lines_hold_it():
    counts = count_lines(**lines(BASKETS), gamma=1.0)

    assert counts.n_orders == 5
    assert dict(zip(counts.item_ids.tolist(), counts.item_counts.tolist())) == {10: 4, 20: 4, 30: 3, 40: 1}
    assert pair(counts, 10, 20)[0] == 3  # orders 0, 1, 4 (order 4 has two lines of 10)
    assert pair(counts, 20, 10)[0] == 3
    assert pair(counts, 10, 40)[0] == 0


def test_each_order_weighs_one_over_its_size_minus_one_to_the_gamma():
    counts = count_lines(**lines(BASKETS), gamma=1.0)

    # 10+20 are together in orders of sizes 2, 3 and 2 → 1 + 1/2 + 1.
    assert pair(counts, 10, 20)[1] == pytest.approx(2.5)
    assert pair(counts, 30, 40)[1] == pytest.approx(0.5)


def test_support_confidence_and_lift_follow_their_definitions():
    counts = count_lines(**lines(BASKETS), gamma=1.0)

    top = score_counts(counts, ScoreParams(min_count=1, top_k=10, gamma=1.0))
    row = np.flatnonzero((top.product_id == 30) & (top.partner_id == 10))[0]

    assert top.count_ab[row] == 2 and top.count_a[row] == 3 and top.count_b[row] == 4
    assert top.support[row] == pytest.approx(2 / 5)
    assert top.confidence[row] == pytest.approx(2 / 3)  # of the orders with 30, two hold 10
    assert top.lift[row] == pytest.approx((2 / 5) / ((3 / 5) * (4 / 5)))


def test_pairs_seen_in_fewer_orders_than_the_minimum_are_ignored():
    counts = count_lines(**lines(BASKETS), gamma=1.0)

    top = score_counts(counts, ScoreParams(min_count=2, top_k=10))

    assert 40 not in top.product_id and 40 not in top.partner_id
    assert top.n_pairs == 3  # 10-20 (3), 10-30 (2), 20-30 (2)


def test_only_the_top_k_partners_are_kept_ranked_by_score_then_count_then_id():
    baskets = [[1, 2]] * 5 + [[1, 3]] * 3 + [[1, 4]] * 3 + [[1, 5]] * 2
    counts = count_lines(**lines(baskets), gamma=0.5)

    top = score_counts(counts, ScoreParams(min_count=1, top_k=3, gamma=0.5))
    anchor = top.product_id == 1

    assert top.partner_id[anchor].tolist() == [2, 3, 4]  # 3 and 4 tie: the lower id first
    assert top.rank[anchor].tolist() == [0, 1, 2]


def test_orders_of_many_products_count_for_less_in_the_ranking_score():
    # 2 is bought with 1 twice in small orders; 3 three times but in huge wholesale orders.
    filler = list(range(100, 140))
    baskets = [[1, 2], [1, 2], [1, 3, *filler], [1, 3, *filler], [1, 3, *filler]]
    counts = count_lines(**lines(baskets), gamma=0.5)

    top = score_counts(counts, ScoreParams(min_count=2, top_k=2, gamma=0.5))

    assert top.partner_id[top.product_id == 1].tolist()[0] == 2


def test_counts_are_additive_so_removing_orders_gives_the_recount():
    everything = count_lines(**lines(BASKETS), gamma=0.5)
    first = count_lines(**lines(BASKETS[:2]), gamma=0.5)
    rest = count_lines(**{k: v + 0 for k, v in lines(BASKETS[2:]).items()}, gamma=0.5)

    assert (first + rest).equals(everything)
    assert (everything - first).equals(rest)


def test_counts_survive_a_round_trip_through_bytes():
    counts = count_lines(**lines(BASKETS), gamma=0.5)

    assert Counts.from_bytes(counts.to_bytes()).equals(counts)


def test_subtracting_orders_that_were_never_counted_is_refused():
    with pytest.raises(ValueError):
        count_lines(**lines(BASKETS[:1]), gamma=0.5) - count_lines(**lines(BASKETS), gamma=0.5)


def test_a_signed_delta_survives_a_round_trip_even_where_counts_cancel_but_weights_do_not():
    # 10+20 added in an order of two, expired from an order of three: the count cancels
    # (+1 −1), the size weight does not (1 − 1/2^γ).
    base = count_lines(**lines([[10, 20, 30], [10, 20]]), gamma=0.5)
    added = count_lines(**lines([[10, 20]]), gamma=0.5)
    expired = count_lines(**lines([[10, 20, 30]]), gamma=0.5)

    delta = Counts.from_bytes(added.delta_to(expired).to_bytes())

    assert base.apply(delta).equals(count_lines(**lines([[10, 20], [10, 20]]), gamma=0.5))


@pytest.mark.parametrize("blocks", [1, 2, 5, 64])
@pytest.mark.parametrize("threads", [1, 2])
def test_the_blocked_upper_gram_equals_the_upper_triangle_of_the_full_product(blocks, threads):
    """Including the sort order of each row's indices, which the stored counts rely on to compress."""
    rng = np.random.default_rng(blocks * 10 + threads)
    sizes = rng.integers(1, 12, size=400)
    popularity = 1 / np.arange(1, 61) ** 1.1  # a head and a tail, as real orders have
    product_ids = rng.choice(60, size=int(sizes.sum()), p=popularity / popularity.sum())
    x = baskets_from_lines(order_ids=np.repeat(np.arange(400), sizes), product_ids=product_ids).matrix
    row_values = rng.integers(1, 1000, size=x.shape[0])

    upper = upper_gram(x, row_values, blocks=blocks, threads=threads)

    expected = sp.triu(x.T @ sp.diags(row_values, dtype=np.int64) @ x, k=1).tocsr()
    assert upper.shape == expected.shape and upper.nnz == expected.nnz
    assert (upper != expected).nnz == 0
    assert (sp.tril(upper) != 0).nnz == 0
    assert all((np.diff(upper.indices[s:e]) > 0).all() for s, e in zip(upper.indptr[:-1], upper.indptr[1:]))


def test_counts_stored_before_indices_were_delta_encoded_still_load():
    counts = count_lines(**lines(BASKETS), gamma=0.5)
    p = counts.pairs.tocsr()
    buffer = io.BytesIO()
    np.savez(  # the layout written until indices were stored as differences
        buffer, item_ids=counts.item_ids, item_counts=counts.item_counts, indptr=p.indptr.astype(np.int64),
        indices=p.indices.astype(np.int32), pairs=p.data.astype(np.int16), weighted=counts.weighted.tocsr().data,
        meta=np.array([counts.n_orders]), gamma=np.array([counts.gamma]),
    )

    assert Counts.from_bytes(zlib.compress(buffer.getbuffer(), 1)).equals(counts)
