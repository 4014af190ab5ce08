"""Sentences and small tables the child-safety workbooks print, written from the data.

A claim such as "some estimates land within 50 m of the home" depends on the synthetic
children of one run; these functions state what this run shows, at every size and seed.
"""

from __future__ import annotations

import polars as pl

from toyama_lab.viz.labels import check_lang

__all__ = ["error_summary", "floor_sentence", "k_lines"]


def error_summary(err: pl.DataFrame, radius_m: float = 50.0, *, lang: str = "ja") -> pl.DataFrame:
    """One-row summary of home-estimate errors without and with the home rule.

    Parameters
    ----------
    err : polars.DataFrame
        ``error_m`` (no rule) and ``error_rule_m`` (with the rule), one row per child. [m]
    radius_m : float
        The rule's radius. [m]
    lang : {"ja", "en"}
        Language of the column names.

    Returns
    -------
    polars.DataFrame
        Median errors [m], the share of rule estimates at least ``radius_m`` off [%] and
        the closest rule estimate [m].

    Examples
    --------
    >>> e = pl.DataFrame({"error_m": [3.0, 5.0], "error_rule_m": [40.0, 80.0]})
    >>> error_summary(e, lang="en").row(0)
    (4.0, 60.0, 50.0, 40.0)
    """
    check_lang(lang)
    ja = lang == "ja"
    r = f"{radius_m:.0f} m"
    return err.select(
        pl.col("error_m")
        .median()
        .round(1)
        .alias("ルールなし: 誤差の中央値 [m]" if ja else "no_rule_median_m"),
        pl.col("error_rule_m")
        .median()
        .round(1)
        .alias(f"{r} ルール: 誤差の中央値 [m]" if ja else "rule_median_m"),
        (100 * (pl.col("error_rule_m") >= radius_m).mean())
        .round(1)
        .alias(f"ルールで {r} 以上外れた [%]" if ja else "rule_off_by_radius_pct"),
        pl.col("error_rule_m")
        .min()
        .round(1)
        .alias("ルール: いちばん近い推定 [m]" if ja else "rule_closest_m"),
    )


def floor_sentence(err: pl.DataFrame, radius_m: float = 50.0, *, lang: str = "ja") -> str:
    """How many rule estimates land closer to the home than the rule's radius.

    Parameters
    ----------
    err : polars.DataFrame
        ``error_rule_m``, one row per child. [m]
    radius_m : float
        The rule's radius. [m]
    lang : {"ja", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> floor_sentence(pl.DataFrame({"error_rule_m": [58.5, 70.0]}), lang="en")
    'With the 50 m rule, no estimate is within 50 m of the home here (closest 58.5 m, 2 children).'
    """
    check_lang(lang)
    e = err["error_rule_m"].drop_nulls()
    n, near = e.len(), int((e < radius_m).sum())
    closest = float(e.min()) if n else float("nan")
    r = f"{radius_m:.0f} m"
    if near:
        return (
            f"{r} ルールでも、{n} 人のうち {near} 人は推定が自宅から {r} 以内でした "
            f"(いちばん近い推定 {closest:.1f} m)。"
            if lang == "ja"
            else f"Even with the {r} rule, {near} of {n} estimates are within {r} of the home "
            f"(closest {closest:.1f} m)."
        )
    return (
        f"この実行では、{r} ルールのもとで自宅から {r} 以内に入った推定はありません "
        f"(いちばん近い推定 {closest:.1f} m、{n} 人)。"
        if lang == "ja"
        else f"With the {r} rule, no estimate is within {r} of the home here "
        f"(closest {closest:.1f} m, {n} children)."
    )


def k_lines(cells: pl.DataFrame, ks, *, lang: str = "ja") -> list[str]:
    """Published and suppressed cells at each threshold, and how many cells hold one child.

    Parameters
    ----------
    cells : polars.DataFrame
        Fixes with cell columns ``cx``, ``cy`` and ``child_id``
        (:func:`toyama_lab.childsafety.heatmap.add_cells`).
    ks : iterable of int
        Thresholds to compare.
    lang : {"ja", "en"}

    Returns
    -------
    list of str
        One line per threshold.

    Examples
    --------
    >>> c = pl.DataFrame({"cx": [0, 0, 1], "cy": [0, 0, 0], "child_id": ["a", "b", "a"]})
    >>> k_lines(c, [1, 2], lang="en")[1]
    'k = 2: 1 cells published, 1 suppressed (1 cells with a single child)'
    """
    from toyama_lab.privacy import aggregate_with_threshold

    check_lang(lang)
    one = aggregate_with_threshold(cells, ["cx", "cy"], 1).filter(pl.col("n_children") == 1).height
    lines = []
    for k in ks:
        t = aggregate_with_threshold(cells, ["cx", "cy"], int(k))
        hidden = int(t["suppressed"].sum())
        lines.append(
            f"k = {k}: 公表マス {t.height - hidden}, 秘匿マス {hidden} (1 人だけのマスは {one})"
            if lang == "ja"
            else f"k = {k}: {t.height - hidden} cells published, {hidden} suppressed "
            f"({one} cells with a single child)"
        )
    return lines
