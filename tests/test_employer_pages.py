"""Employers on the map, the search page and the review queue.

Three layers, each tested on its own:

* :mod:`maps.employer_layers` (pure: folium layers from frames), no database;
* :mod:`twonet.db.employer_queries` on both backends, on a database holding
  the Qingdao demo grid and a small demo registry imported through the real
  pipeline (the ``employer_database`` fixture of ``tests/conftest.py``);
* the Streamlit pages with ``AppTest`` on that database, in Chinese and
  English.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import pytest
import shapely
from browser_support import english_words
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from maps import employer_layers as emap
from maps import layers
from maps.basemaps import available_basemaps, to_basemap_lonlat
from maps.text import md_escape
from twonet.db import employer_queries as eq
from twonet.db import review_queries as rq
from twonet.db.engine import ENV_VAR, get_engine
from twonet.errors import TwoNetError
from twonet.exports import search_csv

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 60
COUNTY = "370211"


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def employer_db_url(
    employer_database: Callable[[str, Path, Any, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    tmp_dir = tmp_path_factory.mktemp(f"employers-{backend_name}")
    with employer_database(backend_name, tmp_dir, qingdao_demo[0], "employers") as url:
        yield url


@pytest.fixture(scope="module")
def engine(employer_db_url: str) -> Iterator[Any]:
    engine = get_engine(employer_db_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def app(employer_db_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(ENV_VAR, employer_db_url)
    monkeypatch.delenv("TWONET_TIANDITU_KEY", raising=False)
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def _page(name: str, url: str, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    """Return an AppTest of one page (``employers`` or ``review``) alone."""
    monkeypatch.setenv(ENV_VAR, url)
    at = AppTest.from_string(
        f"from maps.pages import {name}\n{name}.render()\n", default_timeout=TIMEOUT
    )
    at.session_state["lang"] = lang
    return at


# --------------------------------------------------------- pure: the layers
def _points(n: int, **overrides: Any) -> pd.DataFrame:
    rows = {
        "uscc": [f"91370211MA{i:08d}" for i in range(n)],
        "name": [f"青岛第{i}服装厂" for i in range(n)],
        "registered_address": ["青岛市黄岛区长江路1号"] * n,
        "operating_address": [None] * n,
        "lon": [120.0 + i * 1e-4 for i in range(n)],
        "lat": [36.0] * n,
        "county_code": [COUNTY] * n,
        "township_code": ["370211001"] * n,
        "village_code": [None] * n,
        "method": ["coordinates"] * n,
        "confidence": [0.95] * n,
        "flags": [""] * n,
        "queued": [False] * n,
    }
    rows.update({k: [v] * n for k, v in overrides.items()})
    return pd.DataFrame(rows)


def _rows(layer: emap._DataLayer) -> list[list[Any]]:
    return json.loads(layer.payload)["rows"]  # type: ignore[no-any-return]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 1200), limit=st.integers(0, 600))
def test_point_layer_never_sends_more_than_the_limit(n: int, limit: int) -> None:
    layer = emap.point_layer(_points(n), limit=limit)
    assert layer.count == len(_rows(layer)) == min(n, limit)


def test_point_popup_is_escaped_labelled_and_shifted_for_gaode() -> None:
    points = _points(
        1,
        name="<script>alert(1)</script>&",
        flags="historical_name,registered_elsewhere",
        queued=True,
    )
    layer = emap.point_layer(points, datum="gcj02", lang="zh")
    assert "<script" not in layer.payload and "</" not in layer.payload
    (row,) = _rows(layer)
    lon, lat = to_basemap_lonlat(120.0, 36.0, "gcj02")
    assert row[:2] == [round(lat, 6), round(lon, 6)]
    assert row[3] == 1  # queued: red ring
    assert row[4] == "&lt;script&gt;alert(1)&lt;/script&gt;&amp;"
    assert row[6] == "青岛市黄岛区长江路1号"  # registered address, no operating one
    assert row[7] == "370211001"  # finest cell known
    assert row[8:] == ["坐标定位", "0.95", "待复核、历史地名、跨区注册"]
    fields = json.loads(layer.payload)["fields"]
    assert fields[0] == "统一社会信用代码"
    english = json.loads(emap.point_layer(points, lang="en").payload)
    assert english["rows"][0][8] == "by coordinates"
    assert english["fields"][0] == "USCC"


def test_count_layer_skips_unplaced_excluded_and_empty_cells() -> None:
    counts = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d"],
            "employers": [12_345, 3, 0, 7],
            "flagged": 0,
            "queued": 0,
        }
    )
    anchors = pd.DataFrame({"code": ["a", "b", "c"], "lon": 120.0, "lat": 36.0})
    layer = emap.count_layer(counts, anchors, exclude=["b"])
    assert [r[2:] for r in _rows(layer)] == [[12_345, "1.2万"]]  # d: no anchor
    english = emap.count_layer(counts, anchors, lang="en")
    assert [r[3] for r in _rows(english)] == ["12.3k", "3"]


def test_anchor_points_lie_inside_their_cells() -> None:
    crescent = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 3, 2))
    cells = layers.gpd.GeoDataFrame(
        {"code": ["c", "s", "n"]},
        geometry=[crescent, shapely.box(5, 5, 6, 6), None],
        crs=4326,
    )
    anchors = emap.anchor_points(cells)
    assert anchors["code"].tolist() == ["c", "s"]
    for geom, (x, y) in zip(
        [crescent, shapely.box(5, 5, 6, 6)],
        anchors[["lon", "lat"]].to_numpy(),
        strict=True,
    ):
        assert geom.contains(shapely.Point(x, y))


def test_layers_render_inside_a_map_that_loads_nothing_from_a_cdn() -> None:
    basemap = available_basemaps("zh")[-1]  # no tiles
    counts = pd.DataFrame({"code": ["a"], "employers": [5], "flagged": 0, "queued": 0})
    anchors = pd.DataFrame({"code": ["a"], "lon": [120.0], "lat": [36.0]})
    fmap = emap.employer_map(
        basemap,
        overlays=[
            emap.count_layer(counts, anchors),
            emap.point_layer(_points(3)),
        ],
        bounds=[[35.9, 119.9], [36.1, 120.1]],
    )
    page = fmap.get_root().render()
    assert "employer_counts" in page and "employer_points" in page
    assert ".tn-count span" in page  # the layers' stylesheet
    assert "cdn" not in page.lower()
    assert isinstance(fmap, folium.Map)


# ------------------------------------------------------- queries (databases)
@pytest.mark.db
def test_counts_add_up_level_by_level(engine: Any) -> None:
    counties = eq.cell_counts(engine, level="county")
    placed = eq.count_employers(engine) - eq.count_employers(
        engine, eq.EmployerFilter(method="none")
    )
    assert counties["employers"].sum() <= placed
    county = counties.set_index("code").loc[COUNTY]
    towns = eq.cell_counts(engine, level="township", parent_code=COUNTY)
    assert towns["code"].str.startswith(COUNTY).all()
    assert towns["employers"].sum() <= county["employers"]
    assert towns["queued"].sum() <= county["queued"] <= county["employers"]
    in_county = eq.EmployerFilter(cell_code=COUNTY)
    assert eq.count_employers(engine, in_county) == county["employers"]
    queued = eq.EmployerFilter(cell_code=COUNTY, queued=True)
    assert eq.count_employers(engine, queued) == county["queued"]
    summary = eq.employer_summary(engine, in_county)
    assert summary["employers"] == county["employers"]
    assert summary["queued"] == county["queued"]
    with_point = eq.EmployerFilter(cell_code=COUNTY, has_point=True)
    assert summary["with_point"] == eq.count_employers(engine, with_point)
    flagged = sum(
        eq.count_employers(engine, eq.EmployerFilter(cell_code=COUNTY, flags=(f,)))
        for f in eq.filter_options(engine)["flags"]
    )
    assert county["flagged"] == summary["flagged"] <= flagged


@pytest.mark.db
def test_search_filters_combine_and_page(engine: Any) -> None:
    town = eq.cell_counts(engine, level="township", parent_code=COUNTY).iloc[0]
    filters = eq.EmployerFilter(cell_code=town["code"])
    first = eq.search_employers(engine, filters, limit=5)
    assert first.total == town["employers"]
    assert (first.rows["township_code"] == town["code"]).all()
    assert list(first.rows.columns) == list(eq.SEARCH_COLUMNS)
    second = eq.search_employers(engine, filters, offset=5, limit=5)
    assert set(first.rows["uscc"]).isdisjoint(second.rows["uscc"])
    assert first.pages == -(-first.total // 5)
    everything = eq.search_employers(engine, filters, limit=None)
    assert len(everything.rows) == everything.total

    # flags match whole names: "unresolved" is not "village_unresolved"
    unresolved = eq.search_employers(
        engine, eq.EmployerFilter(flags=("unresolved",)), limit=None
    )
    assert all("unresolved" in str(f).split(",") for f in unresolved.rows["flags"])
    # industry prefix, case-insensitive; text matches names
    manufacturing = eq.search_employers(
        engine, eq.EmployerFilter(industry="c"), limit=None
    )
    assert manufacturing.total > 0
    assert manufacturing.rows["industry_code"].str.startswith("C").all()
    name = str(first.rows["name"].iloc[0])
    by_name = eq.search_employers(engine, eq.EmployerFilter(text=name), limit=None)
    assert name in set(by_name.rows["name"])
    uscc = str(first.rows["uscc"].iloc[0])
    by_uscc = eq.search_employers(engine, eq.EmployerFilter(text=uscc.lower()))
    assert by_uscc.rows["uscc"].tolist() == [uscc]


@pytest.mark.db
def test_points_come_only_with_coordinates(engine: Any) -> None:
    points = eq.employer_points(engine, eq.EmployerFilter(cell_code=COUNTY), limit=50)
    assert len(points) == 50
    assert points["lon"].notna().all() and points["queued"].dtype == bool
    with_point = eq.count_employers(
        engine, eq.EmployerFilter(cell_code=COUNTY, has_point=True)
    )
    without = eq.count_employers(
        engine, eq.EmployerFilter(cell_code=COUNTY, has_point=False)
    )
    assert with_point + without == eq.count_employers(
        engine, eq.EmployerFilter(cell_code=COUNTY)
    )


def test_an_invalid_filter_names_every_problem() -> None:
    bad = eq.EmployerFilter(cell_code="37021", industry="Z9", flags=("nope",))
    assert len(bad.problems()) == 3
    with pytest.raises(TwoNetError, match=r"'37021'.*'Z9'.*'nope'"):
        bad.validate()


@pytest.mark.db
def test_review_queue_names_its_candidates(engine: Any) -> None:
    reasons = rq.review_reason_counts(engine)
    items = rq.open_reviews(engine, limit=None)
    assert len(items) == sum(reasons.values()) > 0
    assert set(items["reason"]) == set(reasons)
    named = [c for cands in items["candidates"] for c in cands]
    assert named and all(c["name"] for c in named if c["in_grid"])
    assert all(c["rank"] >= 1 for c in named)
    one = items.iloc[0]
    table = rq.review_candidates(engine, one["candidates"])
    assert table["code"].tolist() == [c["code"] for c in one["candidates"]]
    only = rq.open_reviews(engine, reason=one["reason"], limit=None)
    assert len(only) == reasons[one["reason"]]


@pytest.mark.db
def test_export_has_chinese_headers(engine: Any) -> None:
    page = eq.search_employers(engine, eq.EmployerFilter(cell_code=COUNTY), limit=3)
    text = search_csv(page.rows).decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[:2] == ["统一社会信用代码", "单位名称"]
    assert "待复核" in header


# -------------------------------------------------------------- the pages
def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.subheader] + [b.label for b in at.button]
    text = "\n".join(str(p) for p in parts)
    return re.sub(r"\\(.)", r"\1", text)  # as shown: Markdown escapes undone


@pytest.mark.db
def test_grid_map_counts_employers_in_view(app: AppTest, engine: Any) -> None:
    at = app.run()
    assert not at.exception
    # the employers of the cells drawn (every county: the grid is valid today)
    total = int(eq.cell_counts(engine, level="county")["employers"].sum())
    assert f"本视图用人单位 {total:,} 家" in _texts(at)
    assert at.toggle(key="grid_employers__zh").value is True
    assert any("各网格用人单位" in e.label for e in at.expander)
    # the whole city at village level: one circle per township, not per village
    at.selectbox(key="grid_level__zh").set_value("village").run()
    assert not at.exception
    assert "圆圈按乡镇/街道汇总" in _texts(at)
    at.toggle(key="grid_employers__zh").set_value(False).run()
    assert not at.exception
    assert "本视图用人单位" not in _texts(at)


@pytest.mark.db
def test_grid_map_counts_only_in_cells_valid_on_the_date(app: AppTest) -> None:
    at = app.run()
    assert "本视图用人单位" in _texts(at)
    # before the grid existed no cell is drawn, so no employer is in view
    at.session_state["grid_as_of"] = dt.date(2000, 1, 1)
    at.run()
    assert not at.exception
    assert "当前视图共 0 个网格" in _texts(at)
    assert "本视图用人单位" not in _texts(at)


def test_every_string_the_pages_use_exists_in_both_languages() -> None:
    from maps.i18n import STRINGS

    root = Path(__file__).resolve().parents[1]
    sources = [*(root / "maps").glob("*.py"), *(root / "maps" / "pages").glob("*.py")]
    used = {
        key
        for path in sources
        for key in re.findall(r"\bt(?:_md)?\(\s*\"([a-z_]+)\"", path.read_text("utf-8"))
    }
    assert used and not used - set(STRINGS)
    assert all(zh and en for zh, en in STRINGS.values())


@pytest.mark.db
def test_search_page_in_chinese(
    employer_db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page("employer_search", employer_db_url, monkeypatch, "zh").run()
    assert not at.exception
    assert at.title[0].value == "用人单位查询"
    total = eq.count_employers(engine)
    assert at.subheader[0].value == f"共 {total:,} 家用人单位"
    assert [b.label for b in at.download_button][:2] == ["下载 XLSX", "下载 CSV"]
    assert len(at.dataframe[0].value) == 50

    at.multiselect(key="emp_flags__zh").select("queued").run()
    queued = eq.count_employers(engine, eq.EmployerFilter(queued=True))
    assert at.subheader[0].value == f"共 {queued:,} 家用人单位"


@pytest.mark.db
def test_industry_is_chosen_by_name_or_code_in_chinese(
    employer_db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page("employer_search", employer_db_url, monkeypatch, "zh").run()
    picker = at.selectbox(key="emp_industry__zh")
    labels = list(picker.options)  # as shown: formatted
    assert labels[0] == "全部行业"
    assert "C13 农副食品加工业" in labels and "H 住宿和餐饮业" in labels
    # the classes of the register are offered under their division
    classes = eq.industry_classes(engine)
    code, name = next(iter(classes.items()))
    assert f"{code} {name}" in labels
    picker.set_value("C13").run()
    expected = eq.count_employers(engine, eq.EmployerFilter(industry="C13"))
    assert at.subheader[0].value == f"共 {expected:,} 家用人单位"
    # a bad code (from a link) is refused in Chinese
    at.session_state["emp_industry"] = "99"
    at.run()
    shown = at.error[0].value.replace("\\", "")  # Markdown escapes undone
    assert "“99”不是 GB/T 4754 行业代码" in shown
    assert english_words(shown) == []


@pytest.mark.db
@pytest.mark.parametrize("name", ["employer_search", "review"])
def test_chinese_tables_show_labels_not_codes(
    employer_db_url: str, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    at = _page(name, employer_db_url, monkeypatch, "zh").run()
    assert not at.exception and at.dataframe
    for table in at.dataframe:
        frame = table.value
        text = " ".join(map(str, frame.columns)) + " "
        text += " ".join(frame.astype(str).to_numpy().ravel())
        assert english_words(text.replace("nan", "").replace("None", "")) == []


@pytest.mark.db
def test_search_page_in_english_by_township(
    employer_db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = eq.cell_counts(engine, level="township", parent_code=COUNTY).iloc[0]
    at = _page("employer_search", employer_db_url, monkeypatch, "en").run()
    at.selectbox(key="emp_level__en").set_value("township").run()
    at.selectbox(key="emp_cell__en").set_value(town["code"]).run()
    assert not at.exception
    assert at.subheader[0].value == f"{town['employers']:,} employers found"
    table = at.dataframe[0].value
    assert "Name" in table.columns and "Flags" in table.columns
    assert len(table) == min(50, town["employers"])
    assert any("drawn as points" in m.value for m in at.markdown)

    at.selectbox(key="emp_industry__en").set_value("C").run()
    assert not at.error
    # a code from elsewhere (a link) that is not GB/T 4754: said in English
    at.session_state["emp_industry"] = "99"
    at.run()
    assert at.error[0].value.startswith("Invalid filter")
    assert "not a GB\\/T 4754 industry code" in at.error[0].value  # as Markdown


def _place_first_candidate(at: AppTest, item_id: int, lang: str) -> AppTest:
    """Place the item on its first candidate (or the first village under it)."""
    choosers = [s for s in at.selectbox if str(s.key).startswith(f"choose_{item_id}_")]
    if choosers:
        choosers[0].select_index(0).run()
    place = {"zh": "定位到此", "en": "Place here"}[lang]
    button = next(
        b
        for b in at.button
        if b.label == place and str(b.key).startswith(f"place_{item_id}_")
    )
    return button.click().run()


@pytest.mark.db
def test_review_page_places_an_item(
    employer_db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sum(rq.review_reason_counts(engine).values())
    first = rq.open_reviews(engine, limit=1).iloc[0]
    at = _page("review", employer_db_url, monkeypatch, "zh").run()
    assert not at.exception
    assert at.title[0].value == "待复核队列"
    assert f"待复核 {before:,} 项" in _texts(at)

    # without a reviewer name nothing is placed
    _place_first_candidate(at, int(first["id"]), "zh")
    assert at.error and "复核人" in at.error[0].value
    at.text_input(key="review_reviewer__zh").input("张三").run()
    _place_first_candidate(at, int(first["id"]), "zh")
    assert not at.exception
    assert at.success and md_escape(first["name"]) in at.success[0].value
    assert f"待复核 {before - 1:,} 项" in _texts(at)
    assert int(first["id"]) not in set(rq.open_reviews(engine, limit=None)["id"])
    assert at.selectbox(key="review_item__zh").value != int(first["id"])


@pytest.mark.db
def test_review_page_in_english_refuses_an_unknown_cell(
    employer_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page("review", employer_db_url, monkeypatch, "en").run()
    assert not at.exception
    assert at.title[0].value == "Review queue"
    at.text_input(key="review_reviewer__en").input("Zhang San").run()
    at.text_input(key="review_other_code__en").input("999999999").run()
    next(b for b in at.button if b.label == "Place in this cell").click().run()
    assert at.error[0].value == "Cell code 999999999 is not in the current grid."


# ------------------------------------------------- outside text as Markdown
HOSTILE_NAME = "[点击领取补贴](https://example.com) **粗体** $x$ :red[红]"
HOSTILE_CELL = "**村** [领取](https://example.com) :material/home:"


@contextmanager
def _hostile(engine: Any, uscc: str, cell: str | None) -> Iterator[None]:
    """Name one employer (and one cell) in Markdown for a test; restore them.

    Streamlit's caches are cleared on the way in and out, so the pages read
    the names as they are now.
    """
    import streamlit
    from sqlalchemy import select, update

    from twonet.db.models import Employer, GridCell

    employer = Employer.uscc == uscc
    current = (GridCell.code == cell) & GridCell.valid_to.is_(None)
    with engine.begin() as connection:
        name = connection.execute(select(Employer.name).where(employer)).scalar_one()
        old_cell = connection.execute(select(GridCell.name).where(current)).scalar()
        connection.execute(update(Employer).where(employer).values(name=HOSTILE_NAME))
        if old_cell is not None:
            connection.execute(
                update(GridCell).where(current).values(name=HOSTILE_CELL)
            )
    streamlit.cache_data.clear()
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(update(Employer).where(employer).values(name=name))
            if old_cell is not None:
                connection.execute(
                    update(GridCell).where(current).values(name=old_cell)
                )
        streamlit.cache_data.clear()


def _markdown_sources(at: AppTest) -> list[str]:
    """Return every text of the page that Streamlit renders as Markdown."""
    kinds = (at.title, at.subheader, at.markdown, at.caption)
    alerts = (at.success, at.error, at.info, at.warning)
    texts = [str(e.value) for kind in (*kinds, *alerts) for e in kind]
    texts += [str(b.label) for b in at.button] + [e.label for e in at.expander]
    return texts + [str(w.label) for w in (*at.selectbox, *at.text_input)]


def _assert_inert(sources: list[str]) -> None:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    for source in sources:
        for raw in ("](https://", "**粗体**", "$x$", ":red[", "**村**", ":material/"):
            assert raw not in source, source
        rendered = parser.render(source)
        assert 'href="https://example.com' not in rendered, rendered
        assert "<strong>粗体" not in rendered and "<strong>村" not in rendered


@pytest.mark.db
def test_review_page_shows_markdown_in_names_as_text(
    employer_db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = rq.open_reviews(engine, limit=2)
    item = items.iloc[-1]
    first = next(c for c in item["candidates"] if c["in_grid"])
    with _hostile(engine, str(item["uscc"]), str(first["code"])):
        at = _page("review", employer_db_url, monkeypatch, "zh")
        at.session_state["review_item"] = int(item["id"])
        at.run()
        assert not at.exception
        sources = _markdown_sources(at)
        assert f"#### {md_escape(HOSTILE_NAME)}" in sources  # the card's title
        assert any(md_escape(HOSTILE_CELL) in s for s in sources)  # a candidate
        options = at.selectbox(key="review_item__zh").options
        assert any(HOSTILE_NAME in o for o in options)  # plain text: shown as is
        _assert_inert(sources)

        at.text_input(key="review_reviewer__zh").input("张三").run()
        _place_first_candidate(at, int(item["id"]), "zh")
        assert not at.exception
        assert md_escape(HOSTILE_NAME) in at.success[0].value
        _assert_inert(_markdown_sources(at))


@pytest.mark.db
def test_search_page_shows_markdown_in_names_as_text(
    employer_db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    uscc = str(eq.search_employers(engine, limit=1).rows["uscc"].iloc[0])
    with _hostile(engine, uscc, None):
        at = _page("employer_search", employer_db_url, monkeypatch, "en").run()
        at.text_input(key="emp_text__en").input("点击领取补贴").run()
        assert not at.exception
        assert at.subheader[0].value == "1 employers found"
        assert at.dataframe[0].value["Name"].tolist() == [HOSTILE_NAME]  # plain
        _assert_inert(_markdown_sources(at))
        at.text_input(key="emp_text__en").input("**粗体** $x$").run()
        assert at.subheader[0].value == "1 employers found"
        _assert_inert(_markdown_sources(at))
