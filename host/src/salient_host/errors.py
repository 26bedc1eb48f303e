"""The root of every error the host raises, so callers (the web layer, the CLI) can sort them by kind.

Each room keeps its own errors beside its code; all of them descend from `SalientHostError`:

    SalientHostError
    ├── ConfigError                 config/problems.py  the configuration cannot be used (every problem listed)
    ├── ModelUnavailable            llm/choice.py       no model is configured or reachable for an agent
    ├── ServerDown                  mcp/supervision.py  a request of the host's own to a server that is down
    ├── ContractError               mcp/contracts.py    a server's published tools no longer carry what the host reads
    ├── AccountMismatch             mcp/toolsets.py     one account's server connection offered to another's agent
    ├── DuplicateClientMessage      memory/store.py     a message with this client id is already stored
    ├── ConversationError           engine/errors.py    a request the engine refuses before a turn starts
    │   ├── SessionNotFound         (also a LookupError)
    │   ├── AgentNotAllowed         (also a PermissionError)
    │   ├── EmptyMessage            (also a ValueError)
    │   ├── NothingToDecide         (also a ValueError)
    │   └── DecisionMismatch        (also a ValueError)
    ├── UnknownAgent                engine/agents.py    no agent of that name is configured
    ├── ServerUnavailable           engine/agents.py    a server an agent needs cannot be reached
    ├── MessageRefused              engine/message_rules.py  an empty or too long message, refused before storing
    ├── TurnError                   engine/turn.py      a turn cannot go on (becomes its TurnFailed)
    ├── BudgetExceeded              llm/budgets.py      a spending budget is used up
    ├── SummaryError                summaries/result.py a summary that cannot be made
    │   └── SummaryUnavailable      ...now (the model, the mail queue or a budget failing); later it may
    ├── MailError                   mail/errors.py      (its own tree is drawn there)
    │   ├── MailConfigError
    │   │   └── MailDisabled
    │   ├── InvalidAddress          (also a ValueError)
    │   ├── BadUnsubscribeToken
    │   └── SendFailure
    │       ├── TransientFailure
    │       └── PermanentFailure
    ├── InstallRefused              suite/install.py    an MCP client's config file the installer will not touch
    ├── RateStoreUnreachable        web/limits.py       the Redis configured for rate limits does not answer
    └── WebError                    web/errors.py       what the web app refuses, with its HTTP status
        ├── BadRequest, Unauthorized, Forbidden, NotFound, TooLarge, Unprocessable
        └── RateLimited

The web layer answers each branch with an HTTP status and a message (`web/errors.py`, `HOST_ERRORS`), by class:
code that catches host errors names these classes, not the builtins some of them also are.
"""

from __future__ import annotations


class SalientHostError(Exception):
    """Anything the host refuses or cannot do, said in words a user or operator can act on."""
