"""List prices per million tokens, by model (USD; OpenAI's public price list, standard tier,
no batch or cached-input discount). Update when the list changes; a model that is not here
costs ``None`` and the report shows ``?``.
"""

from __future__ import annotations

__all__ = ["PRICES", "cost_usd", "price_of"]

#: model → (input $ per 1M tokens, output $ per 1M tokens)
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}


def price_of(model: str | None) -> tuple[float, float] | None:
    """The price of ``model``; a dated snapshot (``gpt-4o-mini-2024-07-18``) costs what its family costs."""
    if not model:
        return None
    name = model.split(":")[-1]
    if name in PRICES:
        return PRICES[name]
    family = max((m for m in PRICES if name.startswith(m + "-")), key=len, default=None)
    return PRICES[family] if family else None


def cost_usd(model: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    price = price_of(model)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
