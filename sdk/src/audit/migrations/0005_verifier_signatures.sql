-- The verifier quorum's durable state (`depin verifier serve --peer …`), so that a verifier killed at any moment
-- signs nothing twice and submits nothing twice once restarted.

-- Every signature the verifier released, recorded before it is released: one per (pool, kind, epoch, nonce), where
-- kind is 'batch' (a ledger ProofBatch; nonce: its batch nonce) or 'commit' (an EpochCommit; nonce: its commit
-- nonce). Asked again for the same digest it returns this signature; asked for another digest it refuses.
create table verifier_signatures (
  pool text not null,
  kind text not null check (kind in ('batch', 'commit')),
  epoch bigint not null,
  nonce numeric not null,
  signer text not null,
  digest text not null,
  signature text not null,
  signed_at timestamptz not null default now(),
  primary key (pool, kind, epoch, nonce)
);

-- An epoch the verifier closed: it takes no more reports for it, and what it derived from its stored reports then
-- (the ledger batches, or the epoch commit and its manifest) is what it proposes and co-signs from then on.
create table verifier_closes (
  pool text not null,
  epoch bigint not null,
  mode text not null check (mode in ('ledger', 'epoch')),
  -- the close's inputs (adjustments) and the derived plan, JSON with bigints as decimal strings
  inputs text not null,
  plan text not null,
  manifest text,
  closed_at timestamptz not null default now(),
  primary key (pool, epoch)
);

-- Each signed item's submission: 'pending' until it is known on-chain, then 'landed' with the transaction that
-- carried it (sent by this verifier, or by another one). Recorded before a transaction is sent.
create table verifier_submissions (
  pool text not null,
  kind text not null check (kind in ('batch', 'commit')),
  epoch bigint not null,
  nonce numeric not null,
  digest text not null,
  status text not null check (status in ('pending', 'sending', 'landed')),
  tx_hash text,
  gas_used numeric,
  by_us boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (pool, kind, epoch, nonce)
);
