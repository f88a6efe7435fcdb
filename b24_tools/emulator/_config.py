"""`EmulatorConfig`: everything that shapes how the emulated portal behaves."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["EmulatorConfig", "ALL_SCOPES"]

# Scopes the emulator knows (api-reference/scopes/permissions.md); a webhook with `scopes=None` has them all.
ALL_SCOPES: frozenset[str] = frozenset(
    {
        "basic", "user", "user_brief", "user_basic", "department", "crm", "task", "tasks", "calendar", "im",
        "imbot", "log", "sonet_group", "bizproc", "disk", "entity", "biconnector", "sale", "catalog",
        "booking", "timeman", "landing", "userconsent", "placement", "pull", "lists", "sonet", "sign.b2e", "ai_admin", "telephony", "imopenlines", "messageservice", "socialnetwork",
        "documentgenerator",
    }
)  # fmt: skip


@dataclass
class EmulatorConfig:
    """Behaviour knobs of the emulated portal.

    Limits follow settings/performance/limits.md (leaky bucket X burst / Y per second, 503; operating time per
    method per webhook/app in ten one-minute baskets, 429). The cost model follows settings/performance/huge-data.md:
    a counted list (`start >= 0`) costs time proportional to the table size and the offset; `start=-1` does not.
    With `cost_model` on, that cost counts toward `time.processing`/`operating`; it is also slept (times
    `cost_sleep_scale`) only when latency is on, so tests without latency stay fast.
    """

    webhook_code: str = (
        "emulator-secret-code"  # the loopback default; serving beyond loopback picks a random one
    )
    user_id: int = 1
    rate: float | None = None  # bucket drain per second; None = no leaky bucket
    burst: int = 50
    latency_ms: float = 0.0  # added to every answer (network-ish, not counted as processing)
    per_record_latency_ms: float = 0.0  # per returned record (server work, counted as processing)
    scopes: set[str] | None = None  # None = every scope
    token_ttl: int = 3600  # OAuth access token lifetime, seconds (settings/oauth/auto-renewal.md)
    cost_model: bool = False
    operating_limit: float = 480.0  # seconds per method per 10 minutes (limits.md example value)
    portal_domain: str = "127.0.0.1"
    # huge-data.md: 2,387,743 rows counted in ~49.9 s (≈2.1e-5 s a row), an uncounted page in ~0.07 s.
    count_cost_per_row: float = 2.1e-5
    offset_cost_per_row: float = 1.0e-5
    page_cost: float = 0.0
    cost_sleep_scale: float = (
        1.0  # share of the modelled cost slept when latency is on (never when it is off)
    )
    member_id: str = "emulator-member-0001"
    timezone_offset: str = "+00:00"
    extra_webhooks: dict[str, tuple[int, set[str] | None]] = field(default_factory=dict)
    # when set, every `/_emulator/*` request must carry it (`Authorization: Bearer …`); `b24 emulator serve`
    # sets a random one whenever it listens beyond loopback
    admin_token: str | None = None

    def webhook_scopes(self) -> frozenset[str]:
        return ALL_SCOPES if self.scopes is None else frozenset(self.scopes)
