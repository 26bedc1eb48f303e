"""How the host reaches MCP servers: discovery, client transports, supervision, per-server toolsets, connections."""
