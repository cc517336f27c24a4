-- The application's side of the demo: seed 002's `cases` table with a few rows, two of which are
-- in the asymmetric cohort (matching_complete without ehr_constructed since the flag went on).
CREATE TABLE IF NOT EXISTS cases (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  workflow_state jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO cases VALUES
  ('case-1001', 'tenant-a', 'patient-1', '{"matching_complete": true, "ehr_constructed": false}', '2026-06-01T00:00:00Z'),
  ('case-1002', 'tenant-a', 'patient-2', '{"matching_complete": true}', '2026-06-02T00:00:00Z'),
  ('case-1003', 'tenant-b', 'patient-3', '{"matching_complete": true, "ehr_constructed": true}', '2026-06-03T00:00:00Z'),
  ('case-0999', 'tenant-b', 'patient-4', '{"matching_complete": true}', '2026-04-01T00:00:00Z')
ON CONFLICT DO NOTHING;
