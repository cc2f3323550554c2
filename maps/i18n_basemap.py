"""UI strings of the offline basemap and the basemap captions (zh, en).

Merged into :data:`maps.i18n.STRINGS`; see :func:`maps.i18n.t`.
"""

from __future__ import annotations

BASEMAP_STRINGS: dict[str, tuple[str, str]] = {
    "basemap_offline": ("离线底图", "Offline basemap"),
    "basemap_offline_attribution": (
        '离线底图：陆地、水体、地名 © <a href="https://www.openstreetmap.org/copyright">'
        "OpenStreetMap</a> 贡献者（ODbL 1.0）",
        'Offline basemap: land, water, place names © <a href="https://www.openstreetmap.org'
        '/copyright">OpenStreetMap</a> contributors (ODbL 1.0)',
    ),
    "basemap_offline_note": (
        "离线底图随软件提供，无需联网；范围外只显示陆地与海洋。",
        "The offline basemap ships with the app and needs no network; outside its "
        "region it shows land and sea only.",
    ),
    "basemap_tianditu_review": ("审图号：{number}", "Map review no. {number}"),
    "basemap_tianditu_review_unset": (
        "审图号：以天地图官网公布为准",
        "Map review no.: as published by Tianditu",
    ),
}
