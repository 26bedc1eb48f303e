from crossfeed_support import client, store_url

__all__ = ["client", "store_url"]
