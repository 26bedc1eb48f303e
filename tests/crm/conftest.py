from crm_support import client, crm_url

__all__ = ["client", "crm_url"]
