"""The index directory: build it, open it, search it."""
