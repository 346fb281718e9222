-- Build metadata (built_at, demo_scale, demo_seed) as key/value rows.
SELECT key, value FROM build_info ORDER BY key;
