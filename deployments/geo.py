"""Places: a point with a radius, or a polygon of [lon, lat] corners (GeoJSON order)."""
from __future__ import annotations

import math

from django.core.exceptions import ValidationError

EARTH_RADIUS_M = 6_371_008.8


def validate_polygon(value) -> None:
    if value in (None, []):
        return
    if not isinstance(value, list) or len(value) < 3:
        raise ValidationError("a polygon is a list of at least three [lon, lat] corners")
    for corner in value:
        if (not isinstance(corner, (list, tuple)) or len(corner) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in corner)):
            raise ValidationError(f"{corner!r} is not a [lon, lat] pair of numbers")
        lon, lat = corner
        if not -180 <= lon <= 180 or not -90 <= lat <= 90:
            raise ValidationError(f"{corner!r} is out of range: longitude -180..180, latitude -90..90")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): metres matter here, not the Earth's flattening."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def in_polygon(lat: float, lon: float, polygon: list) -> bool:
    """Ray casting; a few hundred metres across, the plane is a fine approximation."""
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def place_contains(place: dict, lat: float, lon: float) -> bool:
    if place.get("polygon"):
        return in_polygon(lat, lon, place["polygon"])
    if place.get("latitude") is None:
        return False
    return distance_m(place["latitude"], place["longitude"], lat, lon) <= place["radius_m"]


def place_of(deployment) -> dict:
    return {"name": deployment.location_name, "latitude": deployment.latitude, "longitude": deployment.longitude,
            "radius_m": deployment.radius_m, "polygon": deployment.polygon}
