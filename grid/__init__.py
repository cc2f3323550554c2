"""Pure grid computation: cell codes and levels, QA, the Qingdao demo grid.

Nothing in this package imports streamlit, folium or a database driver.

Importing it installs :class:`twonet.native.CompiledFinder` (the one import
from :mod:`twonet` at package level): modules listed in
:data:`twonet.native.COMPILED` (the address parser) then come from their
mypyc-compiled build while that build is exactly of their current source,
and from the source otherwise.
"""

from twonet.native import install_finder

install_finder()
