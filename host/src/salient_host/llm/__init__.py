"""The language models agents talk to: which one (`choice.py`), whether it answers (`probe.py`), what it costs."""
