from library_support import client, docs_root, service, settings

__all__ = ["client", "docs_root", "service", "settings"]
