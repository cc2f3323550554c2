"""``twonet bench address``: labelled sample addresses, parsed by us, jionlp, cpca.

:func:`sample_addresses` writes addresses in the formats of real employer
registers from the gazetteer itself, each labelled with the codes it should
resolve to; :func:`benchmark_addresses` times :func:`grid.address.parse_addresses`,
``jionlp.parse_location`` and ``cpca.transform`` on the same addresses and
scores county and township accuracy for each; :func:`address_benchmark` runs
it on Qingdao addresses and returns the figures ``twonet bench address``
prints.

Formats (``format`` column):

===================  ===========================================================
``full``             ``山东省青岛市黄岛区辛安街道台头社区长江中路216号``
``no_province``      ``青岛市黄岛区辛安街道…``
``county_first``     ``黄岛区辛安街道…`` (village left out in a third of them)
``short``            ``山东青岛黄岛辛安台头…`` (short forms)
``historical``       ``胶南市王台镇…``, ``即墨市蓝村镇…`` (old county/town names
                     where the unit has one, short forms otherwise)
``zone``             ``青岛市西海岸新区王台街道…`` (zone alias of the county)
``merged_village``   ``黄岛区王台街道后台村…``: a village of the 2016 list merged
                     since (label: its township, no village)
``town_only``        ``辛安街道台头社区…`` (only with a region)
===================  ===========================================================

jionlp and cpca are imported lazily (they are benchmark peers, not
dependencies).  cpca 0.5 imports ``pkg_resources``; when setuptools is absent a
minimal stand-in built on :mod:`importlib.resources` is provided.
"""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from grid.address import parse_addresses, region_units
from grid.gazetteer import KIND_ALIAS, KIND_HIST, Gazetteer, name_forms
from twonet.bench import Figure, timed
from twonet.bench.parser_accuracy import PLACEHOLDER_NAMES

_T = TypeVar("_T")

#: Share of each format when a region is given (without one, ``town_only``
#: goes to ``full``).
FORMAT_WEIGHTS: dict[str, float] = {
    "full": 0.22,
    "no_province": 0.18,
    "county_first": 0.15,
    "short": 0.1,
    "historical": 0.1,
    "zone": 0.05,
    "merged_village": 0.1,
    "town_only": 0.1,
}
_ROADS = [
    "长江",
    "黄河",
    "淮河",
    "珠江",
    "人民",
    "建设",
    "解放",
    "中山",
    "新华",
    "文化",
    "胜利",
    "和平",
    "幸福",
    "工业",
    "兴业",
    "复兴",
    "光明",
    "团结",
    "民主",
    "富民",
    "滨海",
    "海滨",
    "前进",
    "朝阳",
    "环城",
    "花园",
    "府前",
    "育才",
]
_ROAD_SUFFIXES = (
    "路",
    "中路",
    "东路",
    "西路",
    "南路",
    "北路",
    "大道",
    "街",
    "一路",
    "二路",
)
_FULLWIDTH = str.maketrans({chr(0x30 + i): chr(0xFF10 + i) for i in range(10)})


def _alternative_names(
    gazetteer: Gazetteer,
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Return unit → historical full names, and unit → unscoped zone aliases."""
    historical: dict[int, list[str]] = {}
    aliases: dict[int, list[str]] = {}
    for keyword_id, keyword in enumerate(gazetteer.keywords):
        for unit, kind, _note, scope in gazetteer.keyword_entries(keyword_id):
            if kind == KIND_HIST and scope < 0:
                historical.setdefault(unit, []).append(keyword)
            elif kind == KIND_ALIAS and scope < 0:
                aliases.setdefault(unit, []).append(keyword)
    return historical, aliases


def _tail(rng: np.random.Generator) -> str:
    road = _ROADS[int(rng.integers(len(_ROADS)))]
    suffix = _ROAD_SUFFIXES[int(rng.integers(len(_ROAD_SUFFIXES)))]
    number = f"{int(rng.integers(1, 999))}号"
    extra = ""
    draw = rng.random()
    if draw < 0.25:
        extra = f"{int(rng.integers(1, 30))}号楼{int(rng.integers(101, 2500))}室"
    elif draw < 0.35:
        extra = f"{int(rng.integers(1, 9))}栋"
    text = road + suffix + number + extra
    if rng.random() < 0.1:
        text = text.translate(_FULLWIDTH)
    return text


def _pick(rng: np.random.Generator, options: Sequence[_T]) -> _T:
    return options[int(rng.integers(len(options)))]


def sample_addresses(
    gazetteer: Gazetteer,
    n: int,
    *,
    seed: int,
    region: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Generate ``n`` labelled addresses in realistic register formats.

    Parameters
    ----------
    gazetteer : Gazetteer
    n : int
        Number of addresses.
    seed : int
        Seed of the random generator (same seed, same addresses).
    region : sequence of str, optional
        Code prefixes; villages are drawn inside them and ``town_only``
        addresses are produced.  Without it villages are drawn nationally.

    Returns
    -------
    DataFrame
        ``address``, ``format``, and the labels ``province_code``,
        ``city_code``, ``county_code``, ``town_code``, ``village_code``
        (``None`` where the address does not name a current village).  The
        region is kept in ``frame.attrs["region"]``.
    """
    rng = np.random.default_rng(seed)
    units = region_units(gazetteer, region)
    if units:
        pool = np.concatenate(
            [
                np.arange(r.start, r.stop)
                for u in units
                for r in [gazetteer.descendants(u, 4)]
            ]
        )
    else:
        lo, hi = gazetteer.level_start[4], gazetteer.level_start[5]
        pool = np.arange(lo, hi)
    chosen = rng.choice(pool, size=n, replace=n > len(pool))
    historical, aliases = _alternative_names(gazetteer)
    merged: dict[int, list[int]] = {}
    for record, container in enumerate(
        gazetteer.historical_village_successors().tolist()
    ):
        merged.setdefault(container, []).append(record)
    formats = list(FORMAT_WEIGHTS)
    weights = np.array([FORMAT_WEIGHTS[f] for f in formats])
    if not units:
        weights[formats.index("full")] += weights[formats.index("town_only")]
        weights[formats.index("town_only")] = 0.0
    picks = rng.choice(len(formats), size=n, p=weights / weights.sum())
    rows = []
    for village, pick in zip(chosen.tolist(), picks.tolist(), strict=True):
        rows.append(
            _one_address(
                gazetteer, rng, village, formats[pick], historical, aliases, merged
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "address",
            "format",
            "province_code",
            "city_code",
            "county_code",
            "town_code",
            "village_code",
        ],
    )
    frame.attrs["region"] = [gazetteer.code(u) for u in units]
    return frame


def _one_address(
    gazetteer: Gazetteer,
    rng: np.random.Generator,
    village: int,
    fmt: str,
    historical: dict[int, list[str]],
    aliases: dict[int, list[str]],
    merged: dict[int, list[int]],
) -> tuple[Any, ...]:
    town = gazetteer.parent[village]
    county = gazetteer.parent[town]
    city = gazetteer.parent[county]
    province = gazetteer.parent[city]
    names = {u: gazetteer.name(u) for u in (village, town, county, city, province)}
    city_text = "" if names[city] in PLACEHOLDER_NAMES else names[city]
    village_forms = name_forms(names[village], 4)
    village_text = village_forms[1] if len(village_forms) > 1 else village_forms[0]
    village_label: int | None = village
    if fmt == "zone" and county not in aliases:
        fmt = "no_province"
    if fmt == "merged_village":
        records = merged.get(town)
        if records:
            old_name, *_ = gazetteer.historical_village(_pick(rng, records))
            old_forms = name_forms(old_name, 4)
            village_text = old_forms[1] if len(old_forms) > 1 else old_name
            village_label = None
        fmt_prefix = names[county] + names[town]
        address = fmt_prefix + village_text + _tail(rng)
    elif fmt == "full":
        address = (
            names[province] + city_text + names[county] + names[town] + village_text
        )
        address += _tail(rng)
    elif fmt == "no_province":
        address = (city_text or names[province]) + names[county] + names[town]
        address += village_text + _tail(rng)
    elif fmt == "county_first":
        if rng.random() < 1 / 3:
            village_text, village_label = "", None
        address = names[county] + names[town] + village_text + _tail(rng)
    elif fmt == "short":
        parts = [
            name_forms(names[u], lv)[-1]
            for u, lv in ((province, 0), (county, 2), (town, 3))
        ]
        city_short = name_forms(city_text, 1)[-1] if city_text else ""
        address = (
            parts[0] + city_short + parts[1] + parts[2] + village_text + _tail(rng)
        )
    elif fmt == "historical":
        county_text = (
            _pick(rng, historical[county])
            if county in historical
            else (name_forms(names[county], 2)[-1])
        )
        town_text = _pick(rng, historical[town]) if town in historical else names[town]
        address = county_text + town_text + village_text + _tail(rng)
    elif fmt == "zone":
        address = city_text + _pick(rng, aliases[county]) + names[town] + village_text
        address += _tail(rng)
    else:  # town_only
        address = names[town] + village_text + _tail(rng)
    code = gazetteer.code
    return (
        address,
        fmt,
        code(province),
        code(city),
        code(county),
        code(town),
        None if village_label is None else code(village_label),
    )


# --------------------------------------------------------------------------
# peers


def _import_cpca() -> Any:
    """Import cpca, standing in for ``pkg_resources`` if setuptools is absent."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cpca imports deprecated pkg_resources
            import cpca
    except ModuleNotFoundError as exc:
        if exc.name != "pkg_resources":
            raise
        from importlib import resources

        shim = types.ModuleType("pkg_resources")

        def resource_stream(package: str, name: str) -> Any:
            return resources.files(package).joinpath(name).open("rb")

        shim.resource_stream = resource_stream  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
        sys.modules.pop("cpca", None)
        import cpca
    return cpca


def _stem_code(
    gazetteer: Gazetteer, name: object, parent_code: str, level: int
) -> str | None:
    """Map a peer's name to the code of a child of ``parent_code`` (or None)."""
    if not isinstance(name, str) or not name:
        return None
    parent = gazetteer.index_of(parent_code)
    if parent is None:
        return None
    wanted = set(name_forms(name, level)[1:]) | {name}
    for unit in gazetteer.descendants(parent, level):
        forms = set(name_forms(gazetteer.name(unit), level))
        if forms & wanted:
            return gazetteer.code(unit)
    return None


def benchmark_addresses(
    addresses: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    region: Sequence[str] | None = None,
    reference_limit: int | None = 20_000,
    peers: Sequence[str] = ("jionlp", "cpca"),
    repeats: int = 3,
) -> dict[str, Any]:
    """Time and score our parser, jionlp and cpca on the same addresses.

    Parameters
    ----------
    addresses : DataFrame
        From :func:`sample_addresses` (``address`` and label columns).
    gazetteer : Gazetteer
    region : sequence of str, optional
        Passed to our parser; defaults to ``addresses.attrs["region"]``.
        jionlp and cpca have no such option.
    reference_limit : int or None
        jionlp parses about 250 addresses/s, so by default the peers (and our
        parser, for a like-for-like accuracy) are also run on the first
        ``reference_limit`` addresses; ``None`` runs the peers on all of them.
    peers : sequence of str
        Which peers to run (``"jionlp"``, ``"cpca"``); a peer that is not
        installed is reported as ``{"error": ...}``.
    repeats : int
        Our parser is timed this many times, each run cold (memos and
        village indices cleared), and the median run is reported: shared
        machines are noisy.

    Returns
    -------
    dict
        ``n``, ``region``, and per tool (``ours``, ``jionlp``, ``cpca``):
        ``seconds``, ``addresses_per_second``, ``n``, ``county_accuracy`` and
        ``township_accuracy`` (``None`` where the tool has no townships);
        ``ours_on_reference`` scores ours on the peers' subset;
        ``ours_by_format`` gives our accuracies per address format.
    """
    if region is None:
        region = addresses.attrs.get("region") or None
    texts = addresses["address"].tolist()
    runs = []
    for _ in range(max(1, repeats)):
        gazetteer.clear_caches()  # every run cold: nothing memoised
        runs.append(timed(lambda: parse_addresses(texts, gazetteer, region=region)))
    seconds, ours = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    county_ok = ours["county_code"].to_numpy(object) == addresses[
        "county_code"
    ].to_numpy(object)
    town_ok = ours["town_code"].to_numpy(object) == addresses["town_code"].to_numpy(
        object
    )
    result: dict[str, Any] = {
        "n": len(texts),
        "region": list(region or []),
        "ours": _figures(seconds, len(texts), county_ok, town_ok),
    }
    by_format = {}
    for fmt, index in addresses.groupby("format").indices.items():
        by_format[str(fmt)] = {
            "n": len(index),
            "county_accuracy": round(float(county_ok[index].mean()), 4),
            "township_accuracy": round(float(town_ok[index].mean()), 4),
        }
    result["ours_by_format"] = by_format
    limit = len(texts) if reference_limit is None else min(reference_limit, len(texts))
    subset = addresses.iloc[:limit]
    result["ours_on_reference"] = _figures(
        seconds * limit / max(len(texts), 1), limit, county_ok[:limit], town_ok[:limit]
    )
    if "jionlp" in peers:
        result["jionlp"] = _run_jionlp(gazetteer, subset)
    if "cpca" in peers:
        result["cpca"] = _run_cpca(gazetteer, subset)
    return result


def _figures(
    seconds: float, n: int, county_ok: Any, town_ok: Any | None
) -> dict[str, Any]:
    return {
        "n": n,
        "seconds": round(seconds, 3),
        "addresses_per_second": round(n / seconds) if seconds > 0 else None,
        "county_accuracy": round(float(np.mean(county_ok)), 4) if n else None,
        "township_accuracy": (
            None if town_ok is None or not n else round(float(np.mean(town_ok)), 4)
        ),
    }


def _run_jionlp(gazetteer: Gazetteer, subset: pd.DataFrame) -> dict[str, Any]:
    try:
        import jionlp
    except ImportError as exc:
        return {"error": f"jionlp is not installed: {exc}"}
    texts = subset["address"].tolist()
    jionlp.parse_location(texts[0] if texts else "北京", town_village=True)  # load
    seconds, parsed = timed(
        lambda: [jionlp.parse_location(t, town_village=True) for t in texts]
    )
    county_ok = []
    town_ok = []
    for row, label in zip(parsed, subset.itertuples(index=False), strict=True):
        county = _stem_code(gazetteer, row.get("county"), str(label.city_code), 2)
        county_ok.append(county == label.county_code)
        town = _stem_code(gazetteer, row.get("town"), str(label.county_code), 3)
        town_ok.append(town == label.town_code)
    return _figures(seconds, len(texts), np.array(county_ok), np.array(town_ok))


def _run_cpca(gazetteer: Gazetteer, subset: pd.DataFrame) -> dict[str, Any]:
    try:
        cpca = _import_cpca()
    except ImportError as exc:
        return {"error": f"cpca is not installed: {exc}"}
    texts = subset["address"].tolist()
    seconds, frame = timed(lambda: cpca.transform(texts))
    adcodes = frame["adcode"].astype(str).str[:6].tolist()
    counties = frame["区"].tolist()
    county_ok = []
    for adcode, county, label in zip(
        adcodes, counties, subset.itertuples(index=False), strict=True
    ):
        code = (
            adcode
            if adcode == label.county_code
            else _stem_code(gazetteer, county, str(label.city_code), 2)
        )
        county_ok.append(code == label.county_code)
    return _figures(seconds, len(texts), np.array(county_ok), None)


#: Cold runs of each parser, the median reported (this VM's speed swings).
_RUNS = 5


def address_benchmark(n: int, *, reference_limit: int | None) -> list[Figure]:
    """Address parsing vs jionlp.parse_location and cpca.transform."""
    from twonet.employer_import import load_gazetteer

    gazetteer = load_gazetteer()
    gazetteer.clear_caches()
    sample = sample_addresses(gazetteer, n, seed=7, region=["3702"])
    result = benchmark_addresses(
        sample,
        gazetteer,
        region=["3702"],
        reference_limit=reference_limit,
        repeats=_RUNS,
    )
    ours = result["ours"]
    figures = [
        Figure(
            f"parse {ours['n']:,} addresses (cold, median of {_RUNS} runs)",
            ours["addresses_per_second"],
            "addr/s",
            target="≥ 30,000 addr/s",
        )
    ]
    for peer in ("jionlp", "cpca"):
        theirs = result.get(peer, {})
        if "addresses_per_second" not in theirs:
            continue
        figures.append(
            Figure(
                f"  vs {peer} on {theirs['n']:,} of them",
                ours["addresses_per_second"],
                "addr/s",
                peer,
                theirs["addresses_per_second"],
            )
        )
    reference = result.get("ours_on_reference", ours)
    for level in ("county", "township"):
        key = f"{level}_accuracy"
        peer_value = result.get("jionlp", {}).get(key)
        figures.append(
            Figure(
                f"{level} accuracy (same addresses as jionlp)",
                reference[key],
                "",
                "jionlp" if peer_value is not None else "",
                peer_value,
                "≥ jionlp",
                higher_is_better=True,
            )
        )
    return figures
