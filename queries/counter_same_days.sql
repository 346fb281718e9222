-- The days on which a year of counted passages is compared with the year before (the view counter_same_days): per channel, each day of a year counted in full (every measure of its real length, no row missing) whose same calendar date of the year before was counted in full too, with both days' passages (visits, previous_visits) and is_demo (a generated row among the two days'); 29 February never has a pair, so a leap year is compared with its neighbour on 365 days each: the one rule of every year-on-year change of passages (cards of /chaine-des-parcs and of the overview, the forum screen, the same-period chart).
-- Channel-days rather than whole channels or months: a counter installed in March, out of
-- order for a week, or stopped in May is compared on the days it counted both years, and the
-- current, incomplete year on its days so far (its later days are not counted yet).
WITH days AS (
    SELECT channel_id, day, year(day) AS year, month(day) AS month, dayofmonth(day) AS dom,
           sum(visits) AS visits,
           bool_and(measured) AND sum(missing_measures) = 0 AND count(visits) > 0 AS whole,
           coalesce(bool_or(source = 'démonstration') FILTER (visits IS NOT NULL), FALSE) AS is_demo
    FROM counter_calendar
    GROUP BY channel_id, day
)
SELECT c.channel_id, c.day, c.year, c.visits, p.visits AS previous_visits, c.is_demo OR p.is_demo AS is_demo
FROM days c
JOIN days p ON p.channel_id = c.channel_id AND p.year = c.year - 1 AND p.month = c.month AND p.dom = c.dom
WHERE c.whole AND p.whole
