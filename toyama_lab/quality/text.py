"""Sentences the data-quality workbook prints, written from the scored tables.

The markdown never claims how well a rule did: the scores decide, at every size and
period, and a rule with no true faults to find is said to be unscored.
"""

from __future__ import annotations

import polars as pl

from toyama_lab.viz.labels import check_lang

__all__ = ["score_sentence"]


def score_sentence(scores: pl.DataFrame, fault: str, *, lang: str = "ja") -> str:
    """Describe one row of :func:`toyama_lab.quality.score.score_flags`.

    Parameters
    ----------
    scores : polars.DataFrame
        The table of ``quality.score.score_flags``: columns ``fault``, ``truth`` (true faulty
        values), ``flagged``, ``tp``, ``precision`` and ``recall`` [-].
    fault : str
        The row to describe, e.g. ``"spike"``.
    lang : {"ja", "en"}

    Returns
    -------
    str
        How many values were truly faulty and flagged, with precision and recall; or,
        without any true fault of that kind, that precision and recall cannot be
        measured here (every flag is a false alarm).

    Raises
    ------
    ValueError
        If ``lang`` is not supported or ``fault`` is not a row of the table.

    Examples
    --------
    >>> s = pl.DataFrame({"fault": ["spike"], "truth": [10], "flagged": [8], "tp": [6],
    ...                   "precision": [0.75], "recall": [0.6]})
    >>> score_sentence(s, "spike", lang="en")
    'spike: 10 faulty values, 8 flagged, 6 of them right (precision 75 %, recall 60 %).'
    """
    check_lang(lang)
    row = scores.filter(pl.col("fault") == fault)
    if row.height != 1:
        raise ValueError(
            f"fault={fault!r} is not a row of the scores; expected one of "
            f"{scores['fault'].to_list()}."
        )
    r = row.row(0, named=True)
    if r["truth"] == 0:
        n = r["flagged"]
        if lang == "ja":
            tail = f"ルールの {n} 件はすべて誤報です。" if n else "ルールも何も出しませんでした。"
            return (
                f"{fault}: この期間・この種類のセンサーには本当の故障がありません。適合率と再現率は"
                f"測れません (表の null)。{tail}"
            )
        tail = f"all {n} flags are false alarms." if n else "the rule flagged nothing either."
        return (
            f"{fault}: no true fault of this kind in this period, so precision and recall "
            f"cannot be measured (null); {tail}"
        )
    prec = "—" if r["precision"] is None else f"{100 * r['precision']:.0f} %"
    rec = "—" if r["recall"] is None else f"{100 * r['recall']:.0f} %"
    if lang == "ja":
        return (
            f"{fault}: 本当の故障 {r['truth']} 件、ルールが見つけた {r['flagged']} 件のうち "
            f"正しかったのは {r['tp']} 件 (適合率 {prec}、再現率 {rec})。"
        )
    return (
        f"{fault}: {r['truth']} faulty values, {r['flagged']} flagged, {r['tp']} of them right "
        f"(precision {prec}, recall {rec})."
    )
