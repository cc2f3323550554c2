"""Storage edge: SQLAlchemy 2 + GeoAlchemy2 models on PostGIS or SpatiaLite."""
