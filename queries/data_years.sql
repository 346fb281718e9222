-- Years for which the database holds solar, counter or event data, most recent first.
SELECT DISTINCT year FROM (
    SELECT year FROM solar_production
    UNION ALL SELECT DISTINCT year(start_date) FROM events
    UNION ALL SELECT DISTINCT year(day) FROM counter_daily
)
ORDER BY year DESC;
