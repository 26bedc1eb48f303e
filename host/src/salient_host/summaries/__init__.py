"""E-mail summaries of conversations: the facts a conversation produced, the summary, the inactivity sweep."""
