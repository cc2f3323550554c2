"""Pure grid computation: cell codes and levels, QA, the Qingdao demo grid.

Nothing in this package imports :mod:`twonet`, streamlit, folium or a
database driver.
"""
