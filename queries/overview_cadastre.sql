-- Users of the solar cadastre per calendar year (whole PMA), with the first and last day counted that year.
SELECT year(date) AS year,
       sum(users) AS users,
       count(*) AS days,
       min(date) AS first_day,
       max(date) AS last_day,
       bool_or(source = 'démonstration') AS is_demo,
       string_agg(DISTINCT source, ' ; ' ORDER BY source) AS source
FROM cadastre_usage
GROUP BY ALL
ORDER BY year;
