-- Runs of at least $min_measures consecutive measures of one counter channel with the same non-zero count (a counter stuck on a value): channel_id, run_start, run_end (start of the last measure), measures, value, for the channels of $epci and $commune (or NULL each).
WITH channels AS (
    SELECT ch.channel_id, coalesce(ch.time_step, 3600) AS step
    FROM counter_channels ch
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE in_selection(s.commune_code, $epci, $commune)
),
m AS (
    SELECT m.channel_id, m.start_datetime, m.count,
           -- A measure continues the run of the one before when it follows it directly with the
           -- same count: a missing measure (NULL) or a hole in the time steps ends the run.
           (m.count > 0
            AND m.count = lag(m.count) OVER w
            AND epoch(m.start_datetime - lag(m.start_datetime) OVER w) = c.step) AS same
    FROM counter_measures m
    JOIN channels c USING (channel_id)
    WINDOW w AS (PARTITION BY m.channel_id ORDER BY m.start_datetime, m.utc_offset DESC)
),
runs AS (
    SELECT *, sum(CASE WHEN same THEN 0 ELSE 1 END) OVER (
               PARTITION BY channel_id ORDER BY start_datetime ROWS UNBOUNDED PRECEDING) AS run
    FROM m
)
SELECT channel_id, min(start_datetime) AS run_start, max(start_datetime) AS run_end,
       count(*) AS measures, any_value(count) AS value
FROM runs
WHERE count > 0
GROUP BY channel_id, run
HAVING count(*) >= $min_measures
ORDER BY channel_id, run_start;
