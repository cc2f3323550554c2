"""The scanner that finds English words left on a Chinese page.

:func:`browser_support.english_words` is what the browser tests run on each
page's rendered text; here it is checked on plain strings.
"""

from __future__ import annotations

import pytest
from browser_support import english_words, screenshot_path


@pytest.mark.parametrize(
    "text",
    [
        "370211 黄岛区",
        "甲街道 (370211001) · 2026-12-03 · 置信度 0.65",
        "91370202MA3XB6UE41 青岛百顺软件有限公司",
        "C13 农副食品加工业 · C1371 蔬菜加工 · 门类 C",
        "下载 CSV · 下载 XLSX · 打印图 PNG · 打印图 PDF",
        "局部 Getis-Ord Gi*，Benjamini–Hochberg 校正；H3 六边形",
        "© OpenStreetMap 贡献者（ODbL） · 高德地图（GCJ-02） · GB/T 4754",
        "面积 12.5 km² · 地图数据量 128.8 kB",
        "未配置天地图密钥（TWONET_TIANDITU_KEY），天地图不可用。",
        "语言 / Language 简体中文 English",
        "",
    ],
)
def test_codes_names_and_numbers_pass(text: str) -> None:
    assert english_words(text) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("标记 Select all", ["Select", "all"]),
        ("行业 No results", ["No", "results"]),
        ("Choose an option", ["Choose", "an", "option"]),
        ("边界 示意 illustrative", ["illustrative"]),
        ("定位方式 coordinates", ["coordinates"]),
        ("标记 village_unresolved", ["village_unresolved"]),
        ("© OpenStreetMap contributors", ["contributors"]),
        ("Deploy", ["Deploy"]),
        ("比例尺 10 mi", ["mi"]),
    ],
)
def test_english_words_fail_with_their_context(text: str, words: list[str]) -> None:
    found = english_words(text)
    assert [entry.split(" in ")[0].strip("'") for entry in found] == words
    assert all(text.strip() in entry for entry in found)


def test_context_is_cut_to_the_neighbourhood() -> None:
    text = "甲" * 50 + " Select " + "乙" * 50
    (entry,) = english_words(text, context=3)
    assert entry == "'Select' in '甲甲 Select 乙乙'"


def test_screenshot_path_names_backend_and_page() -> None:
    path = screenshot_path("postgis", "hotspots")
    assert path.name == "postgis-hotspots.png"
    assert path.parent.is_dir()
    assert path.parent.parent.name == "build"
