from scheduling_support import client, scheduling_url

__all__ = ["client", "scheduling_url"]
