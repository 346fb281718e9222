-- Users of the solar cadastre per calendar year (whole PMA), with the first and last day counted that year, and users_same_days: the users without 29 February, what a year is compared with its neighbour on (the same 365 calendar days, as the counters' counter_same_days).
SELECT year(date) AS year,
       sum(users) AS users,
       sum(users) FILTER (strftime(date, '%m%d') <> '0229') AS users_same_days,
       count(*) AS days,
       min(date) AS first_day,
       max(date) AS last_day,
       bool_or(source = 'démonstration') AS is_demo,
       string_agg(DISTINCT source, ' ; ' ORDER BY source) AS source
FROM cadastre_usage
GROUP BY ALL
ORDER BY year;
