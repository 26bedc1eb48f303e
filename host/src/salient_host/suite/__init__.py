"""`salient up` and the suite it runs: the servers' processes, the running suite's state file, the configuration
checks against the live servers, MCP client setup (`salient install`)."""
