-- Counter measures summed per channel, day and source: passages (NULL when every measure of the day is missing), measures and missing measures; build and imports store this as the counter_daily table, which the visit queries read instead of millions of measures.
SELECT channel_id,
       start_datetime::DATE AS day,
       source,
       sum(count)::BIGINT AS visits,
       count(*)::INTEGER AS measures,
       (count(*) FILTER (count IS NULL))::INTEGER AS missing_measures
FROM counter_measures
GROUP BY ALL
ORDER BY day, channel_id, source
