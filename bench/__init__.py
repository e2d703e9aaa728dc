"""Benchmarks: the service against a bare WSGI ceiling and the flat files it replaces."""
