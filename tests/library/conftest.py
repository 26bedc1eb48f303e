from library_support import backend, chroma, chroma_server, client, db_url, docs_root, service, settings

__all__ = ["backend", "chroma", "chroma_server", "client", "db_url", "docs_root", "service", "settings"]
