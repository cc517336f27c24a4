-- The plan an organisation is on, for modelling a self-hosted open-source install's limits (seed
-- option `organisation.plan: free`): audit lists show no rows, the versions list hides versions
-- older than 7 days. NULL: no limits (the sandbox's default). Not a Flagsmith column: Flagsmith
-- keeps these limits in the organisation's subscription metadata.
ALTER TABLE organisations_organisation ADD COLUMN flagops_plan varchar(20);
