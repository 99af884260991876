-- The index: what the chain said, nothing derived. Only the indexer writes these tables.
-- Amounts are numeric (uint256 fits), block numbers bigint, addresses and hashes 0x-hex text (addresses checksummed).

-- One row: which contracts are indexed and how far.
create table index_state (
  id int primary key check (id = 1),
  chain_id numeric not null,
  registry text not null,
  factory text not null,
  start_block bigint not null,
  -- Every event of the registry, the factory and its pools up to this block is in the index.
  indexed_to bigint not null,
  -- Blocks up to here had `confirmations` blocks on top of them when indexed; later ones may still be reorganized.
  confirmed_to bigint not null,
  confirmations int not null,
  updated_at timestamptz not null default now()
);

-- Blocks the index relies on: each block holding an indexed event, each block not yet confirmed when indexed (its
-- hash is compared with the chain's on every pass), and the last block of each page. `timestamp` is read for blocks
-- with pool or factory events and for the others listed; blocks with registry events only keep their hash.
create table blocks (
  number bigint primary key,
  hash text not null,
  timestamp bigint
);

-- Pools the factory created (from `PoolCreated`): their events are indexed from the block they were created in.
create table pools (
  address text primary key,
  creator text not null,
  network_id bigint not null,
  token text not null,
  -- The token's `decimals()` when the pool was found (null if the token has none), to show amounts.
  token_decimals int,
  salt text not null,
  pool_index bigint not null,
  whole boolean not null,
  block_number bigint not null,
  tx_hash text not null
);

-- Every log of the registry, the factory and the pools, decoded with the contracts' ABIs (`name` and `args`, amounts
-- as decimal strings) and kept raw (`topics`, `data`). `name` is null for a log the ABIs do not know.
create table events (
  block_number bigint not null,
  log_index int not null,
  tx_hash text not null,
  tx_index int not null,
  address text not null,
  contract text not null check (contract in ('registry', 'factory', 'pool')),
  name text,
  args jsonb,
  topics text[] not null,
  data text not null,
  primary key (block_number, log_index)
);
create index events_name on events (name, address);
create index events_tx on events (tx_hash);

-- Transactions that settled something in a pool (recorded work, committed or vetoed a root, clawed back, paid a
-- claim): who sent them, the function called (first four bytes of the input) and the gas they used.
create table transactions (
  hash text primary key,
  block_number bigint not null,
  tx_index int not null,
  sender text not null,
  recipient text,
  selector text,
  gas_used numeric not null,
  gas_price numeric not null,
  status int not null
);

-- The pool token's balance of each pool (`balanceOf`) at the last block of an indexing pass.
create table pool_balances (
  pool text not null,
  block_number bigint not null,
  token text not null,
  balance numeric not null,
  primary key (pool, block_number)
);
