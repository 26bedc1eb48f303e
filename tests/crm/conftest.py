from crm_support import client, crm, crm_url

__all__ = ["client", "crm", "crm_url"]
