-- Counted passages per counter channel and month for the selection ($epci, $commune or NULL): sum of counts, hours measured and hours missing (count NULL), demonstration flag and sources of the measures that were counted (their own rows' source: the import file of the measures, not the channel's).
-- The channels are selected first and the measures aggregated before any join: joining
-- millions of measures to sites, communes and agglomerations costs several times more.
WITH channels AS (
    SELECT ch.channel_id, ch.site_id, ch.mobility_type
    FROM counter_channels ch
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE in_selection(s.commune_code, $epci, $commune)
), per_source AS (
    -- One row per channel, month and source, so that the sources are listed without a DISTINCT
    -- string aggregate; `visits` is NULL when none of that source's measures was counted.
    SELECT m.channel_id,
           date_trunc('month', m.day)::DATE AS month,
           m.source,
           sum(m.visits) AS visits,
           sum(m.measures)::BIGINT AS measures,
           sum(m.missing_measures)::BIGINT AS missing_measures,
           sum(m.hours) AS hours,
           sum(m.missing_hours) AS missing_hours
    FROM counter_calendar m   -- a channel that stopped sending: its days missing, not absent
    WHERE m.channel_id IN (SELECT channel_id FROM channels)
    GROUP BY ALL
), monthly AS (
    SELECT channel_id, month,
           sum(visits) AS visits,
           sum(measures)::BIGINT AS measures,
           sum(missing_measures)::BIGINT AS missing_measures,
           sum(hours) AS hours,
           sum(missing_hours) AS missing_hours,
           -- Only rows that add passages: a generated channel's missing days say nothing of a figure.
           coalesce(bool_or(source = 'démonstration') FILTER (visits IS NOT NULL), FALSE) AS is_demo,
           string_agg(source, ' ; ' ORDER BY source) FILTER (visits IS NOT NULL) AS source
    FROM per_source
    GROUP BY ALL
)
SELECT c.channel_id, c.site_id, c.mobility_type, m.month, m.visits,
       m.hours, m.missing_hours,   -- hours, not measures (counter_calendar's measures_hours)
       m.is_demo, m.source
FROM monthly m
JOIN channels c USING (channel_id)
ORDER BY m.month, c.channel_id;
