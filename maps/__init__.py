"""Maps of the grid: strings, basemaps, folium layers and the app's pages.

:mod:`maps.i18n`, :mod:`maps.basemaps` and :mod:`maps.layers` do not import
Streamlit; only :mod:`maps.pages` does.
"""
