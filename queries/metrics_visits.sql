-- Per commune and year, the passages counted at the counters located in the commune as metric-layer rows (code, metric, year, num, den, items = counter sites, unknown = hours not measured, hours, is_demo, source, complete = counted up to 31 December).
WITH per_channel AS (
    -- Aggregating the daily sums per channel, year and source first (a few hundred groups)
    -- is many times faster than joining them or a DISTINCT string aggregate.
    SELECT channel_id, year(day) AS year, source,
           sum(visits) AS visits,
           sum(missing_measures) AS missing_measures,
           sum(measures) AS measures,
           sum(hours) AS hours,
           sum(missing_hours) AS missing_hours,
           bool_or(measured) AS measured
    FROM counter_calendar   -- a channel that stopped sending: its days missing, not absent
    GROUP BY ALL
),
last_counted AS (
    SELECT year(day) AS year, max(day) AS last_day FROM counter_daily GROUP BY ALL
),
visits AS (
    SELECT s.commune_code AS code, m.year,
           sum(m.visits) AS visits,
           count(DISTINCT s.site_id) FILTER (m.measured) AS sites,
           sum(m.missing_hours) AS missing_hours,   -- counter_calendar's hours (measures_hours)
           sum(m.hours) AS hours,
           -- Only the rows that add passages: a generated channel's missing days are no figure.
           coalesce(bool_or(m.source = 'démonstration') FILTER (m.visits IS NOT NULL), FALSE) AS is_demo,
           coalesce(string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source) FILTER (m.visits IS NOT NULL),
                    string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source)) AS source
    FROM per_channel m
    JOIN counter_channels ch ON ch.channel_id = m.channel_id
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE s.commune_code IS NOT NULL
    GROUP BY ALL
)
SELECT v.code, 'visits' AS metric, v.year, v.visits::DOUBLE AS num, NULL::DOUBLE AS den,
       v.sites AS items, v.missing_hours AS unknown, v.hours, v.is_demo, v.source,
       l.last_day = make_date(v.year, 12, 31) AS complete
FROM visits v JOIN last_counted l USING (year)
ORDER BY code, year;
