"""The Salient catalog server.

`PORT_OFFSET`: `salient up` serves this server on the suite's base port plus this number (discovery reads it
through the `salient.servers` entry point without importing the server itself).
"""

PORT_OFFSET = 1
