-- The counters' daily sums (counter_daily, measured) and a day of missing measures (source NULL, not measured) for every day without any row between a channel's first day and the last day any channel counted, or the channel's declared end (counter_channels.end_date: removed or replaced) when earlier, so that a channel that stops sending while the others go on is missing (« lacune »), never silently shorter, and one declared ended is expected no more after its end: the one completeness rule of the series, tables, cards, exports, flags, map and screen (the view counter_calendar).
-- Stored as a view by the build and created on every read connection (ecotransition.data.sql.VIEWS):
-- counter_daily changes with each import, and with it the last day counted.
-- Only the holes are generated (the day after a row to the next row, or to the last day counted),
-- and only the channels that have one are ordered by day: most channels have none, and ordering
-- every channel-day cost more than the rest of a query (bench/bench_calendar.py).
WITH counted AS (
    SELECT channel_id, min(day) AS first_day, max(day) AS last_day, count(DISTINCT day) AS days
    FROM counter_daily
    GROUP BY ALL
),
per_channel AS (
    -- The last day a channel is expected: a removed counter is no « lacune » forever (t12i finding 1).
    -- least() skips a NULL end (a channel still counting).
    SELECT c.*, least((SELECT max(last_day) FROM counted), ch.end_date) AS expected_last
    FROM counted c
    LEFT JOIN counter_channels ch ON ch.channel_id = c.channel_id
),
holed AS (
    SELECT channel_id, expected_last FROM per_channel
    WHERE days < last_day - first_day + 1 OR last_day < expected_last
),
days AS (
    SELECT DISTINCT d.channel_id, d.day, h.expected_last FROM counter_daily d JOIN holed h ON h.channel_id = d.channel_id
),
holes AS (
    -- Measures stored after a declared end stay measured days; no day after the end is missing.
    SELECT channel_id, day + 1 AS first_missing,
           least(coalesce(lead(day) OVER (PARTITION BY channel_id ORDER BY day), expected_last + 1) - 1,
                 expected_last) AS last_missing
    FROM days
    QUALIFY last_missing >= first_missing
),
absent AS (
    SELECT h.channel_id, coalesce(ch.time_step, 3600) AS step,
           unnest(generate_series(h.first_missing, h.last_missing, INTERVAL 1 DAY))::DATE AS day
    FROM holes h
    JOIN counter_channels ch ON ch.channel_id = h.channel_id
)
-- hours and missing_hours: what the measures cover (macros.sql's measures_hours), the one rule every
-- visit query sums.
SELECT d.channel_id, d.day, d.source, d.visits, d.measures, d.missing_measures, TRUE AS measured,
       measures_hours(d.measures, coalesce(ch.time_step, 3600), d.day) AS hours,
       measures_hours(d.missing_measures, coalesce(ch.time_step, 3600), d.day) AS missing_hours
FROM counter_daily d
LEFT JOIN counter_channels ch ON ch.channel_id = d.channel_id
UNION ALL
SELECT channel_id, day, NULL::VARCHAR AS source, NULL::BIGINT AS visits,
       -- 23, 24 or 25 hours (macros.sql) over the step, at least one (counter_daily.sql's rule)
       greatest(paris_day_seconds(day) // step, 1)::INTEGER AS measures,
       greatest(paris_day_seconds(day) // step, 1)::INTEGER AS missing_measures, FALSE AS measured,
       measures_hours(greatest(paris_day_seconds(day) // step, 1), step, day) AS hours,
       measures_hours(greatest(paris_day_seconds(day) // step, 1), step, day) AS missing_hours
FROM absent
