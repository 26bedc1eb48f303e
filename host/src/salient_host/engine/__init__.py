"""Conversations and their turns: agents over the servers' toolsets, events, budgets, what each turn records."""
