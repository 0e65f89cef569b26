"""Distances on the Earth, for location check-in."""

from __future__ import annotations

import math
from typing import Final

EARTH_RADIUS_M: Final = 6_371_008.8  # mean radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points in degrees (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def within(lat: float, lon: float, venue_lat: float, venue_lon: float, radius_m: float) -> bool:
    """Whether a point is within ``radius_m`` metres of the venue (the edge counts)."""
    return distance_m(lat, lon, venue_lat, venue_lon) <= radius_m
