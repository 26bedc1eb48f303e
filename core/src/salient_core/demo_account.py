"""The demo company's account name, on its own so that light callers (the host's command line, which only prints
server commands) can read it without importing the database stack that `salient_core.accounts` brings."""

DEMO_ACCOUNT = "demo"
