"""The language models agents talk to: which one (`choice.py`), whether it answers (`probe.py`), what it costs
(`pricing.py`) and how much may be spent (`budgets.py`, which the engine and the summaries both check)."""
