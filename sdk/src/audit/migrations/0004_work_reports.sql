-- Signed work reports a verifier's ingest service accepted (`depin verifier serve`): one per (pool, epoch, device),
-- exactly as the device signed it, with the payee of record the device had when the report was accepted. The epoch's
-- manifest or ledger batches are built from these rows once the epoch has closed.
create table work_reports (
  pool text not null,
  epoch bigint not null,
  device_id numeric not null,
  units numeric not null,
  evidence_hash text not null,
  key_type smallint not null,
  key text not null,
  signature text not null,
  payee text not null,
  received_at timestamptz not null default now(),
  primary key (pool, epoch, device_id)
);
