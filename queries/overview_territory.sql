-- Communes, agglomerations and population of the selection ($epci short name, $commune INSEE code, or NULL for the whole PMA), with the source of the population figures.
SELECT count(c.code) AS communes,
       count(DISTINCT c.epci_code) AS epcis,
       sum(c.population) AS population,
       string_agg(DISTINCT c.source, ' ; ' ORDER BY c.source) AS source
FROM communes c
JOIN epci e ON e.code = c.epci_code
WHERE in_selection(c.code, $epci, $commune);
