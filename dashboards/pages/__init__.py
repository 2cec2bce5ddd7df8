"""One module per page: LAYOUT(user) builds it, charts register their callbacks on import."""
