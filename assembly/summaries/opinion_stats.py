"""Polis's statistics for opinion groups: representativeness, consensus and the silhouette.

Pure numpy; :mod:`assembly.summaries.opinion_groups` applies them to the clustered groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class RepnessStats(msgspec.Struct, frozen=True):
    """Polis's representativeness statistics of one proposal for one group."""

    p_a: float
    pat: float
    r_a: float
    rat: float
    p_d: float
    pdt: float
    r_d: float
    rdt: float

    @property
    def agree_metric(self) -> float:
        return self.r_a * self.rat * self.p_a * self.pat

    @property
    def disagree_metric(self) -> float:
        return self.r_d * self.rdt * self.p_d * self.pdt


# --------------------------------------------------------------------------- statistics


def prob(n_success: Any, n_seen: Any) -> Any:
    """Share with one pseudo-count on each side: (n + 1) / (N + 2)."""
    return (n_success + 1.0) / (n_seen + 2.0)


def one_prop_z(n_success: Any, n_seen: Any) -> Any:
    """Polis's one-proportion test against one half, every count plus one."""
    return 2.0 * np.sqrt(n_seen + 1.0) * ((n_success + 1.0) / (n_seen + 1.0) - 0.5)


def two_prop_z(s_in: Any, s_out: Any, n_in: Any, n_out: Any) -> Any:
    """Two-proportion z-test, every count plus one; 0 where the pooled share is 1."""
    s1 = np.asarray(s_in, dtype=np.float64) + 1.0
    s2 = np.asarray(s_out, dtype=np.float64) + 1.0
    n1 = np.asarray(n_in, dtype=np.float64) + 1.0
    n2 = np.asarray(n_out, dtype=np.float64) + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    all_success = (s1 + s2) >= (n1 + n2)
    denominator = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    safe = np.where(all_success, 1.0, denominator)
    return np.where(all_success, 0.0, (s1 / n1 - s2 / n2) / safe)


def representativeness(
    n_agree: int,
    n_disagree: int,
    n_seen: int,
    other_agree: int,
    other_disagree: int,
    other_seen: int,
) -> RepnessStats:
    """Polis's repness of one proposal for one group, from the group's and the others' counts.

    >>> s = representativeness(8, 1, 10, 2, 7, 10)
    >>> round(s.p_a, 4), round(s.pat, 4), round(s.r_a, 4), round(s.rat, 4)
    (0.75, 2.1106, 3.0, 2.569)
    """
    p_a = float(prob(n_agree, n_seen))
    p_d = float(prob(n_disagree, n_seen))
    return RepnessStats(
        p_a=p_a,
        pat=float(one_prop_z(n_agree, n_seen)),
        r_a=p_a / float(prob(other_agree, other_seen)),
        rat=float(two_prop_z(n_agree, other_agree, n_seen, other_seen)),
        p_d=p_d,
        pdt=float(one_prop_z(n_disagree, n_seen)),
        r_d=p_d / float(prob(other_disagree, other_seen)),
        rdt=float(two_prop_z(n_disagree, other_disagree, n_seen, other_seen)),
    )


def group_informed_consensus(
    agree_counts: Sequence[int] | NDArray[Any], seen_counts: Sequence[int] | NDArray[Any]
) -> float:
    """Product over groups of (agrees + 1) / (reactions + 2) for one proposal.

    >>> group_informed_consensus([8, 2], [10, 10])
    0.1875
    """
    return float(np.prod(prob(np.asarray(agree_counts, float), np.asarray(seen_counts, float))))


def weighted_silhouette(points: FloatArray, weights: FloatArray, labels: NDArray[Any]) -> float:
    """Mean silhouette of points that stand for ``weights`` identical copies each.

    With unit weights this is the ordinary mean silhouette (as scikit-learn computes it); with
    base-cluster centres and their member counts it is the silhouette of the members moved onto
    their centres. Written here because scikit-learn's ``silhouette_score`` takes no weights.
    """
    labels = np.asarray(labels)
    k = int(labels.max()) + 1
    diff = points[:, None, :] - points[None, :, :]
    distances = np.sqrt((diff**2).sum(axis=2))
    weighted_onehot = np.zeros((len(points), k))
    weighted_onehot[np.arange(len(points)), labels] = weights
    sums = distances @ weighted_onehot  # weighted distance from each point to each cluster
    cluster_weight = weighted_onehot.sum(axis=0)
    rows = np.arange(len(points))
    own_weight = cluster_weight[labels]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[rows, labels] / (own_weight - 1.0)
        mean_to = sums / cluster_weight
    mean_to[rows, labels] = np.inf
    b = mean_to.min(axis=1)
    largest = np.maximum(a, b)
    s = np.where(
        (own_weight > 1.0) & (largest > 0), (b - a) / np.where(largest > 0, largest, 1), 0.0
    )
    return float(np.average(s, weights=weights))
