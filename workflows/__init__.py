"""Viewflow processes: one package per process (flows.py, views.py, forms.py, templates/)."""
