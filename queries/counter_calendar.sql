-- The counters' daily sums (counter_daily, measured) and a day of missing measures (source NULL, not measured) for every day without any row between a channel's first day and the last day any channel counted, so that a channel that stops sending while the others go on is missing (« lacune »), never silently shorter: the one completeness rule of the series, tables, cards, exports, flags, map and screen (the view counter_calendar).
-- Stored as a view by the build and created on every read connection (ecotransition.data.sql.VIEWS):
-- counter_daily changes with each import, and with it the last day counted.
WITH span AS (
    SELECT d.channel_id, min(d.day) AS first_day, any_value(coalesce(ch.time_step, 3600)) AS step
    FROM counter_daily d
    JOIN counter_channels ch ON ch.channel_id = d.channel_id
    GROUP BY ALL
),
expected AS (
    SELECT channel_id, step,
           unnest(generate_series(first_day, (SELECT max(day) FROM counter_daily), INTERVAL 1 DAY))::DATE AS day
    FROM span
),
absent AS (
    SELECT e.* FROM expected e
    ANTI JOIN counter_daily d ON d.channel_id = e.channel_id AND d.day = e.day
)
SELECT channel_id, day, source, visits, measures, missing_measures, TRUE AS measured
FROM counter_daily
UNION ALL
SELECT channel_id, day, NULL::VARCHAR AS source, NULL::BIGINT AS visits, (86400 // step)::INTEGER AS measures,
       (86400 // step)::INTEGER AS missing_measures, FALSE AS measured
FROM absent
