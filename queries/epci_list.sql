-- The three agglomerations with their commune count and population.
SELECT e.code, e.short_name, e.name,
       count(c.code) AS communes,
       sum(c.population) AS population
FROM epci e
LEFT JOIN communes c ON c.epci_code = e.code
GROUP BY ALL
ORDER BY e.short_name;
