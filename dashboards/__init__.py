"""The Dash analytics app, served by Django under /analytics/ (see dashboards.bridge)."""
