-- Epoch manifests the auditor fetched (by the URI the chain recorded, or from a local copy), keyed by the keccak256 of
-- their text; only manifests whose hash a commit names are stored, so each row is what the quorum committed to.
create table manifests (
  hash text primary key,
  pool text not null,
  epoch int not null,
  source text not null,
  text text not null,
  fetched_at timestamptz not null default now()
);

-- A manifest's per-device work records and adjustments, as published.
create table manifest_records (
  manifest_hash text not null references manifests (hash) on delete cascade,
  device_id numeric not null,
  account text not null,
  units numeric not null,
  evidence_hash text not null,
  primary key (manifest_hash, device_id)
);

create table manifest_adjustments (
  manifest_hash text not null references manifests (hash) on delete cascade,
  position int not null,
  account text not null,
  amount_wad numeric not null,
  reason_hash text not null,
  primary key (manifest_hash, position)
);
