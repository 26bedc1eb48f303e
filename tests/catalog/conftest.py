from catalog_support import catalog_url, client

__all__ = ["catalog_url", "client"]
