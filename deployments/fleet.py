"""The national pool of LFR vans: allocating each van to the forces that may book it (oversight administrator).

Bookings themselves are made with a deployment (`services.deployment_asset_book`), which refuses a van allocated
to other forces and, in the database, any overlapping booking.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from deployments import audit_actions as actions
from deployments.models import Asset, AssetKind
from oversight.audit.log import audit_record
from oversight.models import Force, Role, User
from oversight.permissions import require_role


def asset_allocate(*, actor: User, asset: Asset, forces: list[Force]) -> Asset:
    """Allocate a national-pool van to one force, to several jointly, or (no forces) back to every force."""
    require_role(actor, (Role.OVERSIGHT_ADMIN,), "allocate the national pool's vans")
    if asset.kind != AssetKind.VAN or asset.force_id is not None:
        raise ValidationError({"asset": f"{asset} is not a national-pool van; only those are allocated"})
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        old = sorted(asset.allocated_to.values_list("code", flat=True))
        new = sorted(f.code for f in forces)
        if old == new:
            return asset
        asset.allocated_to.set(forces)
        audit_record(actor=actor, action=actions.ASSET_ALLOCATE, obj=asset, old={"forces": old},
                     new={"forces": new})
    return asset
