-- The time step of counter channels measured on their stored measures, in seconds: the most common length (end minus start, as instants) of each channel's measures, for the channels in $channels (a list, or NULL for all); channel_id, step; a channel without a measure that has an end has no row.
-- Declared steps are not trusted (real exports declare 86 400 for hourly measures; the channels
-- file may omit it): every query that divides a day or a period by the step reads counter_channels.
-- time_step, which the build and the counters' imports set to this (ecotransition.data.sql.measure_steps).
-- A calendar day (local midnight to midnight) lasts 23, 24 or 25 hours: all are one daily step.
WITH lengths AS (
    SELECT m.channel_id, m.start_datetime,
           -- Seconds between the instants; a row without its offsets (written before they were
           -- kept): its wall-clock length. Integer arithmetic: a third faster than epoch() at 9 M rows.
           CASE WHEN m.utc_offset IS NOT NULL AND m.end_utc_offset IS NOT NULL
                THEN (epoch_us(m.end_datetime) - epoch_us(m.start_datetime)) // 1000000
                     - 60 * (m.end_utc_offset - m.utc_offset)
                ELSE (epoch_us(m.end_datetime) - epoch_us(m.start_datetime)) // 1000000 END AS len
    FROM counter_measures m
    WHERE ($channels IS NULL OR list_contains($channels, m.channel_id)) AND m.end_datetime IS NOT NULL
),
counted AS (
    SELECT channel_id,
           -- Only the 23- and 25-hour lengths pay the clock's cast.
           CASE WHEN len IN (82800, 90000) AND start_datetime::TIME = TIME '00:00' THEN 86400 ELSE len END AS step,
           count(*) AS n
    FROM lengths
    WHERE len > 0
    GROUP BY ALL
)
-- Ties (as many measures of two lengths) go to the shorter one: it divides the longer.
SELECT channel_id, first(step ORDER BY n DESC, step)::INTEGER AS step
FROM counted
GROUP BY channel_id
ORDER BY channel_id
