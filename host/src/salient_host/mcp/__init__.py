"""How the host reaches MCP servers: discovery (the `salient.servers` entry points), client transports,
supervision, per-server toolsets, connections, one-off probes, and the contracts its reads of results rely on."""
