"""TwoNet: GIS for the labour-inspection two-network model (劳动保障监察“两网化”).

Packages: :mod:`grid` (pure grid computation), :mod:`ingest` (file readers),
:mod:`maps` (folium layers and Streamlit pages), :mod:`twonet` (database
layer, CLI, errors).
"""

__version__ = "0.1.0"
