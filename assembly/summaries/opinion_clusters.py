"""Who is grouped, where each participant sits, and the groups: Polis's clustering steps.

Pure numpy (and scikit-learn for the base clusters); :mod:`assembly.summaries.opinion_groups`
documents the whole pipeline and where it deliberately differs from Polis. This module holds
the steps that decide the groups:

- :func:`clustered_rows`: the participants Polis clusters (``min(7, n)`` reactions, topped up
  with the most active to 15);
- :func:`project`: PCA to two dimensions with Polis's sparsity-aware projection;
- :func:`cluster`: 100 base clusters, then weighted k-means on their centres for k = 2 ..
  ``min(max_groups, 2 + n_base // 12)``, every group at least ``min_size`` participants,
  k chosen by Polis's silhouette of the base-cluster centres, a larger k needing to win by
  ``K_MARGIN`` (Polis's smoothing of k, without its history).

The k-means on the base-cluster centres is written here: it runs on at most 100 weighted
points, and the floor on group sizes needs every local optimum that many starts reach, not
only the best one, which is all scikit-learn's ``KMeans`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from assembly.summaries.opinion_stats import weighted_silhouette

__all__ = [
    "BASE_CLUSTERS",
    "MIN_CLUSTERED",
    "MIN_REACTIONS",
    "Clustering",
    "cluster",
    "clustered_rows",
    "distinct_count",
    "polis_silhouette",
    "project",
]

MIN_REACTIONS: Final = 7
"""A participant is clustered after reacting to this many proposals (or to all, if fewer)."""
MIN_CLUSTERED: Final = 15
"""When fewer participants qualify, the most active others are added up to this number."""
BASE_CLUSTERS: Final = 100
"""Above this many distinct points, k-means first reduces them to this many base clusters."""
K_MARGIN: Final = 0.06
"""A larger k must beat the silhouette of the k kept so far by this much to replace it.

Stands in, without history, for Polis's smoothing of k: every Polis conversation starts at
k = 2 (below 24 base clusters no larger k is tried), and a new k replaces the current one
only after it has had the best silhouette in four updates in a row, so a k that wins by a
little at the end rarely takes over. The value was set on the benchmark of Polis's published
conversations (``bench/bench_polis.py``): where the last update's best k was above 2 there, it
won by 0.014 to 0.056, and Polis showed 2 groups in all but one (26 participants, whose third
group of 3 is below the floor anyway)."""
GROUP_STARTS: Final = 24
"""k-means++ starts for each k on the base-cluster centres."""
LLOYD_ITERATIONS: Final = 100

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def clustered_rows(reaction_counts: IntArray, n_statements: int) -> IntArray:
    """Rows of the participants to cluster, in row order.

    ``reaction_counts`` counts every proposal a participant reacted to, moderated or not
    (Polis counts them in the raw matrix); ``n_statements`` is the number of proposals with
    reactions, moderated ones included.
    """
    threshold = min(MIN_REACTIONS, n_statements)
    qualified = reaction_counts >= threshold
    chosen = np.flatnonzero(qualified)
    if chosen.size < MIN_CLUSTERED:
        others = np.flatnonzero(~qualified)
        # Most active first; ties by row (participant id) order, for determinism.
        ranked = others[np.lexsort((others, -reaction_counts[others]))]
        chosen = np.sort(np.concatenate([chosen, ranked[: MIN_CLUSTERED - chosen.size]]))
    return chosen


def project(
    votes: NDArray[np.int8], seen: NDArray[np.bool_], moderated: NDArray[np.bool_]
) -> FloatArray:
    """PCA to two dimensions with Polis's sparse-voter scaling. Columns all have reactions.

    Moderated-out columns become zeros in every cell and then count as reacted, as in Polis;
    other missing cells take their column's mean. A participant's point is the sum, over the
    proposals they reacted to, of (vote - column mean) x loading, times
    ``sqrt(n_statements / n_reacted)``.
    """
    n, m = votes.shape
    values = votes.astype(np.float64)  # missing cells hold 0 here
    present = seen
    if moderated.any():
        present = seen.copy()
        values[:, moderated] = 0.0
        present[:, moderated] = True
    means = values.sum(axis=0) / np.maximum(present.sum(axis=0), 1)
    centred = values
    centred -= means
    centred *= present  # imputed cells sit on the column mean, so they centre to 0
    if n >= m:
        _, eigenvectors = np.linalg.eigh(centred.T @ centred)
        components = eigenvectors[:, ::-1][:, :2].T
    else:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        components = vt[:2]
    if components.shape[0] < 2:
        components = np.vstack([components, np.zeros((2 - components.shape[0], m))])
    # A fixed sign per component: its largest loading is positive.
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    projection = centred @ components.T
    scale = np.sqrt(m / np.maximum(present.sum(axis=1), 1))
    result: FloatArray = projection * scale[:, None]
    return result


def distinct_count(points: FloatArray) -> int:
    return int(np.unique(np.round(points, 9), axis=0).shape[0])


def polis_silhouette(centres: FloatArray, labels: IntArray) -> float:
    """Polis's silhouette: the plain mean over the base-cluster centres (not weighted by their
    members), a centre alone in its group counting 0."""
    return weighted_silhouette(centres, np.ones(len(centres)), labels)


@dataclass
class Clustering:
    """The groups of the clustered points, and how k was chosen."""

    labels: IntArray
    """Group (0..k-1) of each clustered point."""
    silhouette: float
    base_clusters: int
    """Base clusters (or distinct points, when there are at most 100) the groups are made of."""
    candidates: dict[int, float | None] = field(default_factory=dict)
    """Silhouette of each k tried; None where no grouping met the floor on group sizes."""

    @property
    def k(self) -> int:
        return int(self.labels.max()) + 1


def _base(points: FloatArray, seed: int) -> tuple[FloatArray, FloatArray, IntArray]:
    """Base-cluster centres, their member counts, and each point's base cluster."""
    rounded = np.round(points, 9)
    unique, inverse, counts = np.unique(rounded, axis=0, return_inverse=True, return_counts=True)
    if unique.shape[0] <= BASE_CLUSTERS:
        # As in Polis: with no more distinct points than base clusters, each is its own.
        return unique, counts.astype(np.float64), np.asarray(inverse, np.int64).ravel()
    # Imported here: scikit-learn takes seconds to import, and most pages never cluster.
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=BASE_CLUSTERS, n_init=1, random_state=seed).fit(points)
    member = np.asarray(model.labels_, np.int64)
    weights = np.bincount(member, minlength=BASE_CLUSTERS).astype(np.float64)
    used = weights > 0
    remap = np.cumsum(used) - 1
    return np.asarray(model.cluster_centers_)[used], weights[used], remap[member]


def _plus_plus(
    points: FloatArray, weights: FloatArray, k: int, starts: int, rng: np.random.Generator
) -> FloatArray:
    """``starts`` weighted k-means++ seedings, shape (starts, k, 2)."""
    n = len(points)
    chosen = np.empty((starts, k), np.int64)
    chosen[:, 0] = rng.choice(n, size=starts, p=weights / weights.sum())
    nearest = ((points[None, :, :] - points[chosen[:, :1]]) ** 2).sum(axis=2)
    for j in range(1, k):
        mass = weights[None, :] * nearest
        total = mass.sum(axis=1, keepdims=True)
        # Where every point already sits on a centre, any point will do.
        mass = np.where(total > 0, mass / np.where(total > 0, total, 1.0), 1.0 / n)
        cumulative = np.cumsum(mass, axis=1)
        draws = rng.random((starts, 1)) * cumulative[:, -1:]
        chosen[:, j] = np.minimum((cumulative < draws).sum(axis=1), n - 1)
        distance = ((points[None, :, :] - points[chosen[:, j : j + 1]]) ** 2).sum(axis=2)
        nearest = np.minimum(nearest, distance)
    result: FloatArray = points[chosen]
    return result


def _lloyd(
    points: FloatArray, weights: FloatArray, centres: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Weighted Lloyd iterations from every start at once: labels (starts, n) and the
    within-group sum of squares of each start."""
    starts, k, _ = centres.shape
    labels = np.full((starts, len(points)), -1, np.int64)
    offsets = (np.arange(starts) * k)[:, None]
    for _ in range(LLOYD_ITERATIONS):
        distances = ((points[None, :, None, :] - centres[:, None, :, :]) ** 2).sum(axis=3)
        new = distances.argmin(axis=2)
        if np.array_equal(new, labels):
            break
        labels = new
        flat = (labels + offsets).ravel()
        tiled = np.tile(weights, starts)
        mass = np.bincount(flat, weights=tiled, minlength=starts * k)
        sx = np.bincount(flat, weights=tiled * np.tile(points[:, 0], starts), minlength=starts * k)
        sy = np.bincount(flat, weights=tiled * np.tile(points[:, 1], starts), minlength=starts * k)
        moved = np.stack([sx, sy], axis=1) / np.where(mass > 0, mass, 1.0)[:, None]
        # An emptied group keeps its centre (that start is then discarded).
        centres = np.where((mass > 0)[:, None], moved, centres.reshape(-1, 2)).reshape(
            centres.shape
        )
    distances = ((points[None, :, None, :] - centres[:, None, :, :]) ** 2).sum(axis=3)
    labels = distances.argmin(axis=2)
    spread = (np.take_along_axis(distances, labels[:, :, None], axis=2)[:, :, 0] * weights).sum(
        axis=1
    )
    return labels, spread


def _groups_for_k(
    centres: FloatArray, weights: FloatArray, k: int, min_size: float, rng: np.random.Generator
) -> IntArray | None:
    """The k-grouping of least within-group spread, among many k-means++ starts, whose every
    group holds at least ``min_size`` participants; None if no start reaches one."""
    labels, spread = _lloyd(centres, weights, _plus_plus(centres, weights, k, GROUP_STARTS, rng))
    sizes = np.stack([np.bincount(row, weights=weights, minlength=k) for row in labels])
    feasible = sizes.min(axis=1) >= max(min_size, 1e-9)
    if not feasible.any():
        return None
    # Least spread first; ties by start number, so the choice is reproducible.
    best = int(np.flatnonzero(feasible)[np.argmin(spread[feasible])])
    chosen: IntArray = labels[best]
    return chosen


def cluster(points: FloatArray, seed: int, max_groups: int, min_size: int) -> Clustering | None:
    """Groups of the points (Polis's base clusters, k-means on them, k by silhouette), each
    of at least ``min_size`` points; None if no k of 2 or more can meet that."""
    centres, weights, member = _base(points, seed)
    n_base = len(centres)
    k_max = min(max_groups, 2 + n_base // 12, n_base)
    rng = np.random.default_rng(seed)
    best: tuple[IntArray, float] | None = None
    candidates: dict[int, float | None] = {}
    for k in range(2, k_max + 1):
        labels = _groups_for_k(centres, weights, k, min_size, rng)
        if labels is None:
            candidates[k] = None
            continue
        score = polis_silhouette(centres, labels)
        candidates[k] = score
        if best is None or score > best[1] + K_MARGIN:
            best = (labels, score)
    if best is None:
        return None
    return Clustering(best[0][member], best[1], n_base, candidates)
