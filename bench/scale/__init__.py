"""Internet scale, by model and simulation (issue 19; ``make bench-scale``).

* :mod:`bench.scale.costs`: the read and write units each operation really uses (the call
  counter on moto), priced at DynamoDB's on-demand rates (:mod:`bench.scale.pricing`);
* :mod:`bench.scale.model`: the hottest partition key of every table and index for 10k, 1M
  and 10M users of a stated behaviour, before and after sharding the due-time index,
  against DynamoDB's per-partition limits, from the code's own key functions and the
  measured units;
* :mod:`bench.scale.simulation`: the due-date job for a million reminders due in one minute,
  measured on full shards in moto and extrapolated to the fan-out.
"""
