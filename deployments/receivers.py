"""Reactions of the governance layer to events of the ground layer (which must not import this one)."""
from __future__ import annotations


def force_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every force starts with the closed list of watchlist categories of domain.md rule 8."""
    if created and not raw:
        from deployments.services import watchlist_categories_seed

        watchlist_categories_seed(force=instance)
