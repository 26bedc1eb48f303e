"""The host's memory: sessions, messages with the full model history, model requests and tool calls."""

from salient_host.memory.store import DuplicateClientMessage, Spent, Store, UsageRow, database_url

__all__ = ["DuplicateClientMessage", "Spent", "Store", "UsageRow", "database_url"]
