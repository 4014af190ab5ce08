"""The M/M/c queue in closed form (Erlang C): the one home of the formula.

The synthetic counters (:func:`toyama_lab.synth.mobility.mmc_queue` checks its
discrete-time queue against it), the counter analysis
(:mod:`toyama_lab.mobility.counters`) and the cost of late starts
(:mod:`toyama_lab.gyosei.counter_cost`) all call these functions.

The probability of waiting is Erlang's C formula [1]_ [2]_; the mean wait ``Wq``, the
mean queue length ``Lq`` and the waiting-time distribution follow Gross et al. [3]_.

References
----------
.. [1] A. K. Erlang (1917), "Solution of some problems in the theory of probabilities of
   significance in automatic telephone exchanges", Elektroteknikeren 13, 5-13 (the
   probability of waiting, today's "Erlang C").
.. [2] L. Kleinrock (1975), *Queueing Systems, Volume I: Theory*, Wiley, sec. 3.5
   (M/M/m: the Erlang C formula).
.. [3] D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris (2008), *Fundamentals of
   Queueing Theory*, 4th ed., Wiley, sec. 2.3 (M/M/c: ``Wq``, ``Lq``, and the
   waiting-time distribution ``P(Wq > t) = C exp(-(c mu - lam) t)``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["erlang_c", "mmc_metrics"]


def _check_rates(lam, mu, c):
    lam = np.asarray(lam, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    c = np.asarray(c)
    if np.any(lam < 0) or np.any(~np.isfinite(lam)):
        raise ValueError(f"arrival rate lam must be finite and >= 0 [1/time], got {lam!r}.")
    if np.any(~(mu > 0)) or np.any(~np.isfinite(mu)):
        raise ValueError(f"service rate mu must be finite and > 0 [1/time], got {mu!r}.")
    if not np.issubdtype(c.dtype, np.integer) and not np.all(np.mod(c, 1) == 0):
        raise ValueError(f"windows c must be whole numbers, got {c!r}.")
    c = c.astype(np.int64)
    if np.any(c < 1):
        raise ValueError(f"windows c must be >= 1, got {c!r}.")
    return np.broadcast_arrays(lam, mu, c)


def erlang_c(lam, mu, c) -> np.ndarray:
    """Probability that an arriving customer has to wait in an M/M/c queue (Erlang C).

    Parameters
    ----------
    lam : array_like
        Arrival rate. [1/min]
    mu : array_like
        Service rate of one window (1 / mean service time). [1/min]
    c : array_like of int
        Staffed windows (servers), >= 1.

    Returns
    -------
    numpy.ndarray of float64
        ``C(c, a)`` with offered load ``a = lam / mu`` [Erlang]; 1 when the queue is
        unstable (``a >= c``).

    Notes
    -----
    Computed through the Erlang B recursion ``B(0) = 1``,
    ``B(k) = a B(k-1) / (k + a B(k-1))`` and ``C = c B / (c - a (1 - B))``, which is
    numerically stable for large ``c`` (no factorials). The loop runs over the
    number of windows, not over data.

    References
    ----------
    Kleinrock (1975), sec. 3.5; Gross et al. (2008), sec. 2.3.

    Examples
    --------
    >>> round(float(erlang_c(1.0, 1.0, 2)), 4)   # a = 1 Erlang on 2 windows
    0.3333
    """
    lam, mu, c = _check_rates(lam, mu, c)
    a = lam / mu
    b = np.ones_like(a)
    out = np.ones_like(a)
    for k in range(1, int(c.max()) + 1 if c.size else 1):
        b = a * b / (k + a * b)
        at_c = c == k
        with np.errstate(divide="ignore", invalid="ignore"):
            ck = k * b / (k - a * (1.0 - b))
        out = np.where(at_c, ck, out)
    return np.where(a >= c, 1.0, np.clip(out, 0.0, 1.0))


def mmc_metrics(lam, mu, c, *, within: float = 10.0) -> dict[str, np.ndarray]:
    """Steady-state measures of an M/M/c queue.

    Parameters
    ----------
    lam, mu, c
        As for :func:`erlang_c`. [1/min], [1/min], [-]
    within : float
        Waiting-time limit for the service level. [min]

    Returns
    -------
    dict of str to numpy.ndarray
        ``rho`` utilisation ``lam / (c mu)`` [-]; ``p_wait`` (Erlang C) [-];
        ``wq`` mean wait in the queue [min]; ``lq`` mean queue length [persons];
        ``w`` mean time in the office (wait + service) [min]; ``service_level``
        ``P(wait <= within)`` [-]. Unstable queues (``rho >= 1``) get ``inf`` waits
        and a service level of 0.

    References
    ----------
    Gross et al. (2008), sec. 2.3: ``Wq = C / (c mu - lam)``, ``Lq = lam Wq``,
    ``P(Wq > t) = C exp(-(c mu - lam) t)``.

    Examples
    --------
    >>> m = mmc_metrics(1.0, 1.0, 2)   # a = 1 Erlang on 2 windows
    >>> round(float(m["wq"]), 4), round(float(m["lq"]), 4)
    (0.3333, 0.3333)
    """
    lam, mu, c = _check_rates(lam, mu, c)
    if not np.isfinite(within) or within < 0:
        raise ValueError(f"within={within!r} must be a waiting time >= 0 [min].")
    pw = erlang_c(lam, mu, c)
    spare = c * mu - lam
    stable = spare > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        wq = np.where(stable, pw / spare, np.inf)
        level = np.where(stable, 1.0 - pw * np.exp(-np.where(stable, spare, 0.0) * within), 0.0)
    return {
        "rho": lam / (c * mu),
        "p_wait": pw,
        "wq": wq,
        "lq": np.where(stable, lam * wq, np.inf),
        "w": wq + 1.0 / mu,
        "service_level": level,
    }
