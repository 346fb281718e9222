-- Counter measures summed per channel, day and source: passages (NULL when every measure of the day is missing), measures expected and missing measures (an empty count or a measure absent from the day); build and imports store this as the counter_daily table, which the visit queries read instead of millions of measures.
-- A day expects its real length (23, 24 or 25 hours in Europe/Paris) over the channel's time
-- step (the measured one: queries/counter_steps.sql), at least one (a daily channel's 23-hour day
-- expects its day, not 82 800 // 86 400 = 0); the measures it lacks are missing exactly as empty counts are, and are put on the day's
-- first source, so that the rows of a day add up to what the day expects.
-- On a channel's declared last day (counter_channels.end_date) it is expected up to its last
-- measure only: a counter removed at noon is no « lacune » for the afternoon (counted from local
-- midnight to that measure's start in real seconds, so 30 March and 26 October hold).
WITH per_source AS (
    SELECT m.channel_id,
           m.start_datetime::DATE AS day,
           m.source,
           sum(m.count)::BIGINT AS visits,
           count(*)::INTEGER AS n_rows,
           (count(*) FILTER (m.count IS NULL))::INTEGER AS n_empty,
           max(m.start_datetime) AS last_start
    FROM counter_measures m
    GROUP BY ALL
),
absent AS (
    SELECT p.channel_id, p.day, p.source, p.visits, p.n_rows, p.n_empty,
           CASE WHEN row_number() OVER day_rows = 1
                THEN greatest(
                    CASE WHEN p.day = ch.end_date
                         THEN least(greatest(paris_day_seconds(p.day) // coalesce(ch.time_step, 3600), 1),
                                    (epoch(max(p.last_start) OVER day_rows)::BIGINT
                                     - 60 * paris_offset(max(p.last_start) OVER day_rows)
                                     - epoch(p.day::TIMESTAMP)::BIGINT + 60 * paris_offset(p.day::TIMESTAMP))
                                    // coalesce(ch.time_step, 3600) + 1)
                         ELSE greatest(paris_day_seconds(p.day) // coalesce(ch.time_step, 3600), 1) END
                    - sum(p.n_rows) OVER day_rows, 0)
                ELSE 0 END AS n_absent
    FROM per_source p
    LEFT JOIN counter_channels ch ON ch.channel_id = p.channel_id
    WINDOW day_rows AS (PARTITION BY p.channel_id, p.day ORDER BY p.source
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT channel_id, day, source, visits,
       (n_rows + n_absent)::INTEGER AS measures,
       (n_empty + n_absent)::INTEGER AS missing_measures
FROM absent
ORDER BY day, channel_id, source
