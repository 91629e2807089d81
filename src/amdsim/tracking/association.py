"""Gating and data association: global nearest neighbour (GNN) and cheap JPDA.

Gating is near-linear in the number of tracks: a k-d tree over the detections returns, for
each track, the detections within a Euclidean radius that bounds its Mahalanobis gate
(``sqrt(gamma * (tr P_pos + max tr R))`` bounds ``sqrt(gamma * lambda_max(S))``); only those
candidate pairs get the exact Mahalanobis test ``nu^T S^-1 nu <= gamma``. Tracks and
detections are grouped by covariance size (factors of 4 in the trace) and each pair of groups
searched with its own radius (``cKDTree.sparse_distance_matrix``), so that a few wide
tentative tracks or far, noisy detections do not inflate every search; a per-pair bound
``|nu|^2 <= gamma (tr P_i + tr R_j)`` drops most candidates before the exact test.

GNN solves one assignment per connected component ("cluster") of the gated bipartite graph
with :func:`scipy.optimize.linear_sum_assignment`; the frequent one-track/one-detection
clusters are assigned in one vectorised step. Cost of a pair ``-2 log N(nu; 0, S)``, cost of
leaving a track unassigned ``gamma - 2 log N(0; 0, S_i)`` (the gate edge), so a pair is taken
only when it is inside the gate (Blackman and Popoli, *Design and Analysis of Modern
Tracking Systems*, 1999, §6.5).

JPDA uses Fitzgerald's "cheap JPDA" approximation of the association probabilities
(R. J. Fitzgerald, *Development of practical PDA logic for multitarget tracking by
microprocessor*, Proc. ACC 1986; Bar-Shalom and Li, *Multitarget-Multisensor Tracking*,
1995, §6.4): ``beta_ij = G_ij / (T_i + D_j - G_ij + B)`` with ``G_ij = Pd N(nu_ij; 0, S_ij)``,
``T_i = sum_j G_ij``, ``D_j = sum_i G_ij`` and ``B`` the clutter density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from amdsim.tracking.filters import log_gaussian, symmetrize

__all__ = [
    "GatedPairs",
    "cheap_jpda_weights",
    "gate",
    "gnn_assign",
    "jpda_update_mode",
]


@dataclass(frozen=True, slots=True)
class GatedPairs:
    """Track-detection pairs inside the gate."""

    track: np.ndarray  # (k,) track row
    det: np.ndarray  # (k,) detection row
    d2: np.ndarray  # (k,) Mahalanobis distance squared
    loglik: np.ndarray  # (k,) log N(nu; 0, S)

    def subset(self, keep: np.ndarray) -> GatedPairs:
        """The pairs selected by a boolean mask or index array."""
        return GatedPairs(self.track[keep], self.det[keep], self.d2[keep], self.loglik[keep])


def gate(
    pred_pos: np.ndarray,
    pred_cov_pos: np.ndarray,
    det_pos: np.ndarray,
    det_cov: np.ndarray,
    gamma: float,
) -> GatedPairs:
    """All pairs with ``nu^T (P_pos + R)^-1 nu <= gamma``.

    Parameters
    ----------
    pred_pos, pred_cov_pos : (n, 3), (n, 3, 3)   predicted track positions and covariances
    det_pos, det_cov : (m, 3), (m, 3, 3)         measured positions and covariances
    gamma : float                                 gate threshold (chi-square, 3 dof)
    """
    n, m = pred_pos.shape[0], det_pos.shape[0]
    empty = np.empty(0, np.int64)
    if n == 0 or m == 0:
        return GatedPairs(empty, empty, np.empty(0), np.empty(0))
    # Tracks and detections are grouped by the size of their covariance (factors of 4 in the
    # trace); each pair of groups is searched with the radius bound of its largest members,
    # so one wide tentative track or one far, noisy detection does not widen every search.
    tr_p = np.trace(pred_cov_pos, axis1=1, axis2=2)
    tr_r = np.trace(det_cov, axis1=1, axis2=2)
    small = n * m <= _SMALL_PAIRS  # few pairs: one group each (fewer trees to build)
    det_groups = [(rows, cKDTree(det_pos[rows]), tr_r[rows].max()) for rows in _groups(tr_r, small)]
    ti_parts, dj_parts = [], []
    for t_rows in _groups(tr_p, small):
        t_tree, t_max = cKDTree(pred_pos[t_rows]), tr_p[t_rows].max()
        for d_rows, d_tree, r_max in det_groups:
            radius = float(np.sqrt(gamma * (t_max + r_max)))
            hit = t_tree.sparse_distance_matrix(d_tree, radius, output_type="ndarray")
            if hit.size:
                ti_parts.append(t_rows[hit["i"]])
                dj_parts.append(d_rows[hit["j"]])
    if not ti_parts:
        return GatedPairs(empty, empty, np.empty(0), np.empty(0))
    ti = np.concatenate(ti_parts)
    dj = np.concatenate(dj_parts)
    nu = det_pos[dj] - pred_pos[ti]
    # per-pair bound before the exact test: |nu|^2 <= gamma (tr P_i + tr R_j)
    near = np.einsum("ki,ki->k", nu, nu) <= gamma * (tr_p[ti] + tr_r[dj])
    ti, dj, nu = ti[near], dj[near], nu[near]
    s = pred_cov_pos[ti] + det_cov[dj]
    d2, ll = log_gaussian(nu, s)
    keep = d2 <= gamma
    return GatedPairs(ti[keep], dj[keep], d2[keep], ll[keep])


_SMALL_PAIRS = 20_000


def _groups(tr: np.ndarray, one: bool = False) -> list[np.ndarray]:
    """Row indices grouped by ``floor(log4(tr))`` (covariance size within a factor of 4);
    all rows in one group when ``one``."""
    if one:
        return [np.arange(tr.shape[0])]
    g = np.floor(np.log(np.maximum(tr, 1e-300)) / np.log(4.0)).astype(np.int64)
    order = np.argsort(g, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(g[order])) + 1)


def gnn_assign(
    pairs: GatedPairs, n_tracks: int, n_dets: int, gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Global nearest neighbour, one optimal assignment per gated cluster.

    Returns ``(track_rows, det_rows)`` of the assigned pairs.
    """
    k = pairs.track.shape[0]
    if k == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # log-likelihood at zero innovation: ll = -d2/2 - c  ->  c = -ll - d2/2
    cost = -2.0 * pairs.loglik
    # a pair whose track and detection have no other gated partner is its own cluster
    t_deg = np.bincount(pairs.track, minlength=n_tracks)
    d_deg = np.bincount(pairs.det, minlength=n_dets)
    simple = (t_deg[pairs.track] == 1) & (d_deg[pairs.det] == 1)
    out_t = [pairs.track[simple]]
    out_d = [pairs.det[simple]]
    rest = np.flatnonzero(~simple)
    if rest.size:
        t_r, d_r, cost_r = pairs.track[rest], pairs.det[rest], cost[rest]
        # unassigned track: the cost at the gate edge for its best pair (logdet + m log 2pi + gamma)
        edge_t = np.full(n_tracks, np.inf)
        np.minimum.at(edge_t, t_r, cost_r - pairs.d2[rest] + gamma)
        # compact labels of the tracks / detections involved, then connected components
        tr_all, t_loc = np.unique(t_r, return_inverse=True)
        de_all, d_loc = np.unique(d_r, return_inverse=True)
        nt_all = tr_all.size
        graph = coo_matrix(
            (np.ones(rest.size), (t_loc, nt_all + d_loc)), shape=(nt_all + de_all.size,) * 2
        )
        _, label = connected_components(graph, directed=False)
        comp = label[t_loc]
        n_comp = int(label.max()) + 1
        nt_c = np.bincount(label[:nt_all], minlength=n_comp)
        nd_c = np.bincount(label[nt_all:], minlength=n_comp)
        # star clusters solve in closed form: one track -> its cheapest detection; one
        # detection -> the track that gains most over leaving it unassigned
        one_t = nt_c[comp] == 1
        one_d = (nd_c[comp] == 1) & ~one_t
        for mask, score in ((one_t, cost_r), (one_d, cost_r - edge_t[t_r])):
            idx = np.flatnonzero(mask)
            if idx.size:
                o = idx[np.lexsort((score[idx], comp[idx]))]
                first = o[np.r_[True, comp[o][1:] != comp[o][:-1]]]
                out_t.append(t_r[first])
                out_d.append(d_r[first])
        general = np.flatnonzero(~one_t & ~one_d)
        if general.size:
            t_sel, d_sel = _solve_clusters(
                t_r[general], d_r[general], cost_r[general], comp[general], edge_t
            )
            out_t.append(t_sel)
            out_d.append(d_sel)
    return np.concatenate(out_t), np.concatenate(out_d)


def _local_index(
    comp: np.ndarray, item: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank of each ``item`` among the distinct items of its cluster ``comp`` (0-based), the
    distinct items in (cluster, item) order and the start of each cluster's run in them."""
    keys, inv = np.unique(comp * n_items + item, return_inverse=True)
    kc = keys // n_items
    start = np.searchsorted(kc, kc)  # first position of each key's cluster
    return inv - start[inv], keys % n_items, np.flatnonzero(np.r_[True, kc[1:] != kc[:-1]])


def _solve_clusters(
    t: np.ndarray, d: np.ndarray, cost: np.ndarray, comp: np.ndarray, edge_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal assignment of each general cluster (several tracks and several detections),
    with a dummy "unassigned" column per track at its gate-edge cost."""
    n_items = int(max(t.max(), d.max())) + 1
    t_loc, t_ids, t_start = _local_index(comp, t, n_items)
    d_loc, d_ids, d_start = _local_index(comp, d, n_items)
    order = np.argsort(comp, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(comp[order])) + 1, order.size]
    t_end = np.r_[t_start[1:], t_ids.size]
    d_end = np.r_[d_start[1:], d_ids.size]
    big = 1e12
    out_t, out_d = [], []
    for c in range(bounds.size - 1):
        sel = order[bounds[c] : bounds[c + 1]]
        tr = t_ids[t_start[c] : t_end[c]]
        de = d_ids[d_start[c] : d_end[c]]
        nt, nd = tr.size, de.size
        mat = np.full((nt, nd + nt), big)
        mat[t_loc[sel], d_loc[sel]] = cost[sel]
        mat[np.arange(nt), nd + np.arange(nt)] = edge_t[tr]
        rows, cols = linear_sum_assignment(mat)
        ok = (cols < nd) & (mat[rows, cols] < big)
        out_t.append(tr[rows[ok]])
        out_d.append(de[cols[ok]])
    return np.concatenate(out_t), np.concatenate(out_d)


def cheap_jpda_weights(
    pairs: GatedPairs, n_tracks: int, n_dets: int, pd: float, clutter_density: float
) -> tuple[np.ndarray, np.ndarray]:
    """Fitzgerald's cheap-JPDA association probabilities.

    Returns ``beta (k,)`` for each gated pair and ``beta0 (n_tracks,)``, the probability
    that no detection belongs to the track.
    """
    g = pd * np.exp(pairs.loglik)
    t_sum = np.bincount(pairs.track, weights=g, minlength=n_tracks)
    d_sum = np.bincount(pairs.det, weights=g, minlength=n_dets)
    b = max(clutter_density, 1e-300)
    beta = g / (t_sum[pairs.track] + d_sum[pairs.det] - g + b)
    beta0 = 1.0 - np.bincount(pairs.track, weights=beta, minlength=n_tracks)
    return beta, np.clip(beta0, 0.0, 1.0)


def jpda_update_mode(
    ms: np.ndarray,
    mc: np.ndarray,
    j: int,
    pairs: GatedPairs,
    beta: np.ndarray,
    beta0: np.ndarray,
    z: np.ndarray,
    r: np.ndarray,
    pd: float,
    clutter_density: float,
) -> np.ndarray:
    """Cheap-JPDA update of mode ``j`` of stacked IMM estimates ``ms (n, m, d)``,
    ``mc (n, m, d, d)`` in place (PDA combined innovation and spread-of-innovations term,
    Bar-Shalom and Li 1995 §6.4); returns each track's log-likelihood for the mode."""
    n = ms.shape[0]
    ti, dj = pairs.track, pairs.det
    out = np.log(np.maximum((1.0 - pd) * clutter_density, 1e-300)) * np.ones(n)
    if ti.size == 0:
        return out
    xj, pj = ms[:, j], mc[:, j]
    nu = z[dj] - xj[ti, 0:3]
    s_pair = pj[ti, 0:3, 0:3] + r[dj]
    _, ll = log_gaussian(nu, s_pair)
    lik = np.bincount(ti, weights=pd * np.exp(ll), minlength=n)
    out = np.log(np.maximum((1.0 - pd) * clutter_density + lik, 1e-300))
    upd = np.unique(ti)
    rbar = np.zeros((n, 3, 3))
    np.add.at(rbar, ti, beta[:, None, None] * r[dj])
    wsum = 1.0 - beta0
    rbar[upd] /= np.maximum(wsum[upd], 1e-12)[:, None, None]
    nubar = np.zeros((n, 3))
    np.add.at(nubar, ti, beta[:, None] * nu)
    spread = np.zeros((n, 3, 3))
    np.add.at(spread, ti, beta[:, None, None] * nu[:, :, None] * nu[:, None, :])
    spread -= nubar[:, :, None] * nubar[:, None, :]
    s_tr = symmetrize(pj[upd, 0:3, 0:3] + rbar[upd])
    k = np.swapaxes(np.linalg.solve(s_tr, np.swapaxes(pj[upd, :, 0:3], -1, -2)), -1, -2)
    b0 = beta0[upd][:, None, None]
    pc = pj[upd] - k @ s_tr @ np.swapaxes(k, -1, -2)
    ms[upd, j] = xj[upd] + np.einsum("nij,nj->ni", k, nubar[upd])
    mc[upd, j] = symmetrize(b0 * pj[upd] + (1 - b0) * pc + k @ spread[upd] @ np.swapaxes(k, -1, -2))
    return out
