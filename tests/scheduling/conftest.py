from scheduling_support import backend, client, scheduling_url

__all__ = ["backend", "client", "scheduling_url"]
