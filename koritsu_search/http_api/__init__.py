"""The JSON HTTP API: search, ask, measures, facets and sources for other programs, served by several worker processes."""
