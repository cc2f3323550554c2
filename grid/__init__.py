"""Pure grid computation: cell codes and levels, QA, the Qingdao demo grid.

Nothing in this package imports streamlit, folium or a database driver.

Modules listed in :data:`twonet.native.COMPILED` (the address parser) are
imported from their mypyc-compiled build when one exists for exactly their
current source, from the source otherwise; see :mod:`twonet.native`.
"""

from twonet.native import compiled_search_path

__path__[:0] = compiled_search_path(__path__[0])
