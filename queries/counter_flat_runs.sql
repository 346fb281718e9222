-- Runs of at least $min_measures consecutive measures of one counter channel with the same count of at least $min_value passages (a counter stuck on a value): channel_id, run_start (start of the first measure), run_end (start of the last measure), run_stop (end of the last measure), local wall-clock times, measures, value, for the channels of $epci and $commune (or NULL each).
-- A measure that repeats the one ending at its start (their real interval: a 23-hour day is
-- followed by the next day; the step is the measured one, queries/counter_steps.sql) is found by
-- a hash join, then the repeats are grouped into islands: four times faster than a window over every hourly measure (bench/README.md).
WITH channels AS (
    SELECT ch.channel_id, coalesce(ch.time_step, 3600) AS step
    FROM counter_channels ch
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE in_selection(s.commune_code, $epci, $commune)
),
m AS (
    -- The instant (seconds since 1970, UTC) of each measure: consecutive measures are a step
    -- apart in time, not in wall-clock time (the March night skips 02:00, October's repeats it).
    SELECT m.channel_id, m.start_datetime, m.count, c.step,
           coalesce(m.end_datetime, m.start_datetime + to_seconds(c.step)) AS stop,
           epoch(m.start_datetime)::BIGINT - 60 * coalesce(m.utc_offset, paris_offset(m.start_datetime)) AS instant,
           -- A row without its end's offset (written before it was kept) ends a step later.
           CASE WHEN m.end_datetime IS NOT NULL AND m.end_utc_offset IS NOT NULL
                THEN epoch(m.end_datetime)::BIGINT - 60 * m.end_utc_offset
                ELSE epoch(m.start_datetime)::BIGINT - 60 * coalesce(m.utc_offset, paris_offset(m.start_datetime))
                     + c.step END AS end_instant
    FROM counter_measures m JOIN channels c USING (channel_id)
    WHERE m.count >= $min_value
),
repeats AS (
    SELECT cur.channel_id, cur.start_datetime, cur.stop, cur.instant, cur.count, cur.step,
           prev.start_datetime AS prev_start
    FROM m cur
    JOIN m prev ON prev.channel_id = cur.channel_id
               AND prev.end_instant = cur.instant
               AND prev.count = cur.count
),
islands AS (
    SELECT *, instant // step - row_number() OVER (PARTITION BY channel_id, count ORDER BY instant) AS island
    FROM repeats
)
SELECT channel_id, arg_min(prev_start, instant) AS run_start, arg_max(start_datetime, instant) AS run_end,
       arg_max(stop, instant) AS run_stop,
       count(*) + 1 AS measures, any_value(count) AS value
FROM islands
GROUP BY channel_id, count, island
HAVING count(*) + 1 >= $min_measures
ORDER BY channel_id, run_start
;
