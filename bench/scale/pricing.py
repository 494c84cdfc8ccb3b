"""DynamoDB's prices and limits the capacity figures are read against (constants, with
where they come from; nothing here is measured)."""

from __future__ import annotations

# On-demand throughput, Standard table class, region us-east-1 (N. Virginia), as listed on
# AWS's "Amazon DynamoDB pricing / On-demand" page after the price reduction of
# 1 November 2024: US$0.625 per million write request units, US$0.125 per million read
# request units. One write request unit is a standard write of up to 1 KB (a transactional
# write takes two); one read request unit is a strongly consistent read of up to 4 KB (an
# eventually consistent read takes half, a transactional read two). Storage, backups,
# streams and data transfer are not included.
REGION = "us-east-1"
USD_PER_MILLION_WRITE_UNITS = 0.625
USD_PER_MILLION_READ_UNITS = 0.125

# What one partition of a table or index serves per second (DynamoDB Developer Guide,
# "Partitions and data distribution" / "Burst and adaptive capacity"): a single partition
# key value can never get more than this, however the table is billed.
PARTITION_WRITE_UNITS_PER_SECOND = 1000
PARTITION_READ_UNITS_PER_SECOND = 3000


def usd_per_million(read_units: float, write_units: float) -> float:
    """What a million operations cost, each reading and writing these many units."""
    return read_units * USD_PER_MILLION_READ_UNITS + write_units * USD_PER_MILLION_WRITE_UNITS
