"""The file-reading edge of TwoNet: grid files in, cell frames out.

Readers here turn files (GeoJSON, Shapefile, GeoPackage) into the cell frame
of :mod:`grid.cells` and a table of rejected features.  They never touch a
database, Streamlit or folium; storing the result is the caller's job.
"""
