"""Reference data in code: the regions courses run in and programmes fund, and the
currencies the ledger supports. Skills are a maintained table (core.models.Skill)."""

from __future__ import annotations

from django.db import models


class Region(models.TextChoices):
    NORTH_EAST = "North East", "North East"
    TEES_VALLEY = "Tees Valley", "Tees Valley"
    NORTH_WEST = "North West", "North West"
    YORKSHIRE = "Yorkshire and the Humber", "Yorkshire and the Humber"
    EAST_MIDLANDS = "East Midlands", "East Midlands"
    WEST_MIDLANDS = "West Midlands", "West Midlands"
    EAST = "East of England", "East of England"
    LONDON = "London", "London"
    SOUTH_EAST = "South East", "South East"
    SOUTH_WEST = "South West", "South West"
    WALES = "Wales", "Wales"
    SCOTLAND = "Scotland", "Scotland"
    NORTHERN_IRELAND = "Northern Ireland", "Northern Ireland"
    NATIONWIDE = "Online (nationwide)", "Online (nationwide)"
