"""Rules for personal data: the 50 m home rule and small-cell suppression.

Two rules protect the children of the child-watch programme (こどもを見守る地域連携事業):

1. **Home exclusion.** No position is recorded within :data:`HOME_EXCLUSION_RADIUS_M`
   (50 m) of a child's home; the trackers simply do not report there.
   :func:`exclude_near_homes` applies the rule to a table of fixes,
   :func:`check_no_fix_near_home` finds rows that break it.
2. **Small-cell suppression.** Aggregated tables (fixes per grid cell, per street, per hour)
   must not reveal cells that describe fewer than ``k`` distinct children (the ``k`` of
   k-anonymity [3]_): :func:`aggregate_with_threshold`.

Notes
-----
The 50 m radius is the rule of Toyama City's child-watch programme as explained to PTAs
(富山市 こどもを見守る地域連携事業 [1]_).

The default threshold :data:`MIN_CELL_CHILDREN` = 3 follows the common practice of Japanese
official statistics, which suppress (秘匿, shown as "X") every cell that would describe one
or two respondents, e.g. 総務省・経済産業省「経済センサス‐活動調査」利用上の注意 [2]_
("調査対象の秘密保護の観点から、1又は2の事業所に関する数値は秘匿"). It is the minimum;
for children's positions a larger ``k`` (5-10) is prudent, and suppression alone does not
protect against differencing of overlapping tables.

References
----------
.. [1] 富山市, こどもを見守る地域連携事業 (GPS sensors lent to children; no position within
   a 50 m radius of the home is recorded).
.. [2] 総務省統計局 / 経済産業省, 経済センサス‐活動調査 結果の利用上の注意 (秘匿措置).
.. [3] L. Sweeney (2002), "k-anonymity: a model for protecting privacy", International
   Journal of Uncertainty, Fuzziness and Knowledge-Based Systems 10(5), 557-570.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from toyama_lab.geo import EARTH_RADIUS_M, equirectangular_m, haversine_m

__all__ = [
    "HOME_EXCLUSION_RADIUS_M",
    "MIN_CELL_CHILDREN",
    "aggregate_with_threshold",
    "check_no_fix_near_home",
    "distance_expr",
    "equirectangular_m",
    "exclude_near_homes",
    "haversine_m",
    "home_distance_m",
]

#: No position is recorded within this distance of a child's home [m] (富山市
#: こどもを見守る地域連携事業).
HOME_EXCLUSION_RADIUS_M = 50.0

#: Default minimum number of distinct children in a published cell (cells describing 1 or 2
#: are suppressed, as in Japanese official statistics; see the module Notes).
MIN_CELL_CHILDREN = 3


def distance_expr(lon1: str, lat1: str, lon2: str, lat2: str) -> pl.Expr:
    """Polars expression for the haversine distance between two positions [m].

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : str
        Column names of WGS84 longitudes and latitudes. [deg]

    Returns
    -------
    polars.Expr
        Great-circle distance on the IUGG mean sphere (R = 6,371,008.8 m). [m]
    """
    p1, p2 = pl.col(lat1).radians(), pl.col(lat2).radians()
    dlat = p2 - p1
    dlon = pl.col(lon2).radians() - pl.col(lon1).radians()
    a = (dlat / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlon / 2).sin() ** 2
    return 2.0 * EARTH_RADIUS_M * a.clip(0.0, 1.0).sqrt().arcsin()


def _check_columns(df: pl.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {missing}; expected {list(cols)}, "
            f"got {df.columns}. Rename the columns or pass the *_col arguments."
        )


def _check_radius(radius_m: float) -> float:
    if isinstance(radius_m, bool) or not isinstance(radius_m, (int, float)) or not (radius_m >= 0):
        raise ValueError(
            f"radius_m={radius_m!r} must be a non-negative number of metres, "
            f"e.g. {HOME_EXCLUSION_RADIUS_M}."
        )
    return float(radius_m)


def home_distance_m(
    fixes: pl.DataFrame,
    homes: pl.DataFrame,
    *,
    id_col: str = "child_id",
    lon_col: str = "lon",
    lat_col: str = "lat",
) -> pl.DataFrame:
    """``fixes`` with a column ``home_distance_m``: distance of each fix to its child's home.

    Parameters
    ----------
    fixes : polars.DataFrame
        One row per position fix with ``id_col``, ``lon_col``, ``lat_col`` [deg].
    homes : polars.DataFrame
        One row per child with ``id_col``, ``home_lon``, ``home_lat`` [deg] (e.g.
        ``City.children``; secret).
    id_col, lon_col, lat_col : str
        Column names in ``fixes``.

    Returns
    -------
    polars.DataFrame
        The fixes in their order, plus ``home_distance_m`` (float64) [m].

    Raises
    ------
    ValueError
        If a column is missing, a child appears twice in ``homes``, or a fix belongs to a
        child without a home row (the rule could not be applied to it).
    """
    _check_columns(fixes, (id_col, lon_col, lat_col), "fixes")
    _check_columns(homes, (id_col, "home_lon", "home_lat"), "homes")
    if homes[id_col].n_unique() != homes.height:
        raise ValueError(f"homes has repeated {id_col} values; expected one home per child.")
    h = homes.select(id_col, pl.col("home_lon").alias("__hlon"), pl.col("home_lat").alias("__hlat"))
    out = fixes.join(h, on=id_col, how="left", maintain_order="left")
    if out["__hlon"].null_count():
        bad = out.filter(pl.col("__hlon").is_null())[id_col].unique().sort().head(5).to_list()
        raise ValueError(
            f"fixes for {id_col} {bad} have no home in `homes`; the 50 m rule "
            "cannot be applied. Pass the homes of every child in the fixes."
        )
    out = out.with_columns(
        distance_expr(lon_col, lat_col, "__hlon", "__hlat").alias("home_distance_m")
    )
    return out.drop("__hlon", "__hlat")


def exclude_near_homes(
    fixes: pl.DataFrame,
    homes: pl.DataFrame,
    radius_m: float = HOME_EXCLUSION_RADIUS_M,
    *,
    id_col: str = "child_id",
    lon_col: str = "lon",
    lat_col: str = "lat",
) -> pl.DataFrame:
    """Drop every fix within ``radius_m`` of its child's home (the 50 m home rule).

    Parameters
    ----------
    fixes, homes, id_col, lon_col, lat_col
        As in :func:`home_distance_m`.
    radius_m : float
        Exclusion radius [m]; fixes at a distance ``<= radius_m`` are dropped.

    Returns
    -------
    polars.DataFrame
        The remaining fixes, same columns and order as ``fixes``.

    Examples
    --------
    >>> fixes = pl.DataFrame({"child_id": ["a", "a"], "lon": [137.2, 137.21],
    ...                       "lat": [36.7, 36.7]})
    >>> homes = pl.DataFrame({"child_id": ["a"], "home_lon": [137.2003],
    ...                       "home_lat": [36.7]})
    >>> exclude_near_homes(fixes, homes)["lon"].to_list()
    [137.21]
    """
    r = _check_radius(radius_m)
    d = home_distance_m(fixes, homes, id_col=id_col, lon_col=lon_col, lat_col=lat_col)
    return d.filter(pl.col("home_distance_m") > r).drop("home_distance_m")


def check_no_fix_near_home(
    fixes: pl.DataFrame,
    homes: pl.DataFrame,
    radius_m: float = HOME_EXCLUSION_RADIUS_M,
    *,
    id_col: str = "child_id",
    lon_col: str = "lon",
    lat_col: str = "lat",
) -> pl.DataFrame:
    """The fixes that break the home rule (empty if the table is compliant).

    Parameters
    ----------
    fixes, homes, radius_m, id_col, lon_col, lat_col
        As in :func:`exclude_near_homes`.

    Returns
    -------
    polars.DataFrame
        Violating rows with their ``home_distance_m`` [m]; zero rows means compliant.
    """
    r = _check_radius(radius_m)
    d = home_distance_m(fixes, homes, id_col=id_col, lon_col=lon_col, lat_col=lat_col)
    return d.filter(pl.col("home_distance_m") <= r)


def aggregate_with_threshold(
    df: pl.DataFrame,
    by: str | Sequence[str],
    k: int = MIN_CELL_CHILDREN,
    *,
    id_col: str = "child_id",
    drop: bool = False,
) -> pl.DataFrame:
    """Count fixes and distinct children per cell, suppressing cells with fewer than ``k``.

    Parameters
    ----------
    df : polars.DataFrame
        Rows to aggregate (e.g. fixes with a grid-cell or hour column).
    by : str or sequence of str
        Columns that define a cell.
    k : int
        Minimum number of distinct children for a cell to be shown (default 3, see the
        module Notes for the source).
    id_col : str
        Column identifying a person.
    drop : bool
        If True, suppressed cells are removed; otherwise they stay with null counts (shown
        as "X" in a published table), which does not reveal the small count.

    Returns
    -------
    polars.DataFrame
        ``by`` columns, ``n_fixes`` (uint32 or null), ``n_children`` (uint32 or null),
        ``suppressed`` (bool), sorted by ``by``.

    Raises
    ------
    ValueError
        If ``k`` is not a positive integer or a column is missing.
    """
    by = [by] if isinstance(by, str) else list(by)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(
            f"k={k!r} must be a positive integer (minimum distinct children per "
            f"cell), e.g. {MIN_CELL_CHILDREN}."
        )
    if not by:
        raise ValueError("by is empty; pass the column(s) that define a cell, e.g. 'cell'.")
    _check_columns(df, [*by, id_col], "df")
    agg = df.group_by(by).agg(
        pl.len().alias("n_fixes"), pl.col(id_col).n_unique().alias("n_children")
    )
    small = pl.col("n_children") < k
    agg = agg.with_columns(
        pl.when(small).then(None).otherwise(pl.col("n_fixes")).alias("n_fixes"),
        pl.when(small).then(None).otherwise(pl.col("n_children")).alias("n_children"),
        small.alias("suppressed"),
    ).sort(by)
    return agg.filter(~pl.col("suppressed")) if drop else agg
