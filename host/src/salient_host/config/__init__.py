"""The host's configuration: its shape (`schema.py`), how `config/salient.yaml` is read and checked (`load.py`)."""
