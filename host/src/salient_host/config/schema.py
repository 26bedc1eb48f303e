"""The shape of `config/salient.yaml`: servers, agents, accounts. Loading lives in load.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag

from salient_host.mail.settings import MailSettings


class Strict(BaseModel):
    # A misspelt key must be an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(Strict):
    """One MCP server, in Claude Desktop's `mcpServers` shape: `command` (stdio) or `url` (streamable HTTP)."""

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for any one request, tool calls included.")
    init_timeout: float = Field(default=30.0, gt=0, description="Seconds to start the server and list its tools.")

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"


class EndpointModel(Strict):
    """A model behind any OpenAI-compatible endpoint (a local server, a gateway)."""

    name: str = Field(min_length=1)
    base_url: str = Field(min_length=1)
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the key; none for local servers."
    )


def _model_kind(value: Any) -> str:
    return "model-endpoint" if isinstance(value, dict | EndpointModel) else "model-name"


# A model is a pydantic-ai model string (`openrouter:...`, `openai:...`, `test`) or an endpoint mapping.
ModelSpec = Annotated[
    Annotated[str, Tag("model-name")] | Annotated[EndpointModel, Tag("model-endpoint")],
    Discriminator(_model_kind),
]


class ServerAccess(Strict):
    """Which of a server's tools an agent may see: globs over the server's own (unprefixed) tool names."""

    tools: list[str] = Field(default_factory=lambda: ["*"])


class Limits(Strict):
    """What one turn and one session of an agent may use; checked before every model request."""

    tool_calls_per_turn: int = Field(default=20, ge=1)
    tokens_per_turn: int | None = Field(default=None, ge=1)
    cost_per_turn_usd: float | None = Field(default=None, gt=0, description="USD one turn may spend.")
    tokens_per_session: int | None = Field(default=None, ge=1, description="Tokens one session may use in all.")
    cost_per_session_usd: float | None = Field(default=None, gt=0, description="USD one session may spend in all.")


class Budgets(Strict):
    """Spending over calendar periods (UTC): tokens per day, US dollars per month."""

    tokens_per_day: int | None = Field(default=None, ge=1)
    cost_per_month_usd: float | None = Field(default=None, gt=0)


class Summaries(Strict):
    """E-mail summaries of an agent's conversations (to the visitor and the rep); sent only with a `mail:` section.

    A summary goes out when the visitor asks (the agent calls its `email_summary` tool) or, with
    `inactivity_minutes`, once the conversation has been quiet that long and the visitor gave an email address.
    """

    enabled: bool = True
    inactivity_minutes: float | None = Field(
        default=30, gt=0, description="Send after this long without a new message; null: only when asked."
    )
    # A chat is a form anyone can type any address into: at most this many summaries go to one address a day.
    max_per_address_per_day: int = Field(default=3, ge=1, le=100)
    # The servers whose records the summary reads and writes (the lead's contact, the booking and its invite).
    crm_server: str = Field(default="crm", min_length=1)
    scheduling_server: str = Field(default="scheduling", min_length=1)


class AgentConfig(Strict):
    description: str = Field(min_length=1)
    model: ModelSpec | None = None
    instructions: str = Field(min_length=1, description="Markdown file, relative to the configuration file.")
    servers: dict[str, ServerAccess] = Field(default_factory=dict)
    # Destructive tools: `ask` defers each call for a human; `allow` runs it; `deny` hides the tool.
    approval: Literal["ask", "allow", "deny"] = "ask"
    limits: Limits = Limits()  # frozen, so one shared default is safe
    budgets: Budgets = Budgets()  # the agent's spending across all accounts
    summaries: Summaries | None = None  # e-mail summaries; off when left out or without `mail:`


class Price(Strict):
    """A model's price in US dollars per million tokens, for models the genai-prices data does not know."""

    input_usd_per_million: float = Field(ge=0)
    output_usd_per_million: float = Field(ge=0)


class AccountServer(Strict):
    """What one account adds to one server: its own credentials, so the server acts for that account alone.

    An HTTP server decides the account from the credentials it is sent, so every account that reaches one needs
    `headers` of its own (`Authorization: "Bearer ${ACME_CRM_TOKEN}"`); they are added to the server's `headers`.
    A stdio server runs as one process per account; `env` is added to that account's process only (a server the
    host does not recognise as a Salient one learns whose data to serve from it).
    """

    headers: dict[str, str] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict)


class AccountConfig(Strict):
    agents: list[str] = Field(default_factory=list)
    budgets: Budgets = Budgets()
    # Per server, what this account's connections carry (credentials); see AccountServer and config/tenancy.py.
    servers: dict[str, AccountServer] = Field(default_factory=dict)


class Config(Strict):
    model: ModelSpec | None = None
    servers: dict[str, ServerConfig]
    agents: dict[str, AgentConfig] = Field(default_factory=dict)
    accounts: dict[str, AccountConfig] = Field(default_factory=dict)
    # Keyed by the model's name as its provider reports it (`llama3.1`, `anthropic/claude-sonnet-4.5`).
    prices: dict[str, Price] = Field(default_factory=dict)
    # Outgoing mail (conversation summaries); without it no agent sends summaries. See mail/settings.py.
    mail: MailSettings | None = None

    _source: Path = PrivateAttr(default=Path("config/salient.yaml"))
    _instructions: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> Path:
        """The file this configuration was read from."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """Relative paths in the file (instructions, `cwd`) are relative to this directory."""
        return self._source.parent

    def instructions(self, agent: str) -> str:
        """The agent's instructions, read once when the configuration was loaded."""
        return self._instructions[agent]
