-- Views over the index and the fetched manifests: the rebuilt ledger and the KPIs, for any Postgres tool.
-- Rewards are in WAD (token units x 1e18) where named *_wad, token units otherwise.

-- Devices, from `DeviceRegistered` and the ERC-721 mint (`Transfer` from zero) just before it, which carries the id.
create view devices as
select (t.args->>'tokenId')::numeric as device_id,
       (r.args->>'networkId')::bigint as network_id,
       r.args->>'owner' as first_owner,
       (r.args->>'index')::bigint as device_index,
       (r.args->>'keyType')::int as key_type,
       r.args->>'key' as key,
       r.args->>'attester' as attester,
       r.block_number, r.tx_hash
from events r
join events t on t.block_number = r.block_number and t.log_index = r.log_index - 1 and t.name = 'Transfer'
where r.name = 'DeviceRegistered';

-- Every change of hands of a device (mints included), in chain order.
create view device_transfers as
select (e.args->>'tokenId')::numeric as device_id, e.args->>'from' as from_owner, e.args->>'to' as to_owner,
       e.block_number, e.tx_hash, e.log_index
from events e where e.contract = 'registry' and e.name = 'Transfer';

-- Each pool's fixed settings, from `PoolInitialized`.
create view pool_settings as
select e.address as pool, e.args->>'token' as token, (e.args->>'networkId')::bigint as network_id,
       (e.args->>'genesis')::bigint as genesis, (e.args->>'epochLength')::bigint as epoch_length,
       (e.args->>'challengePeriod')::bigint as challenge_period, (e.args->>'settlementWindow')::int as settlement_window,
       e.block_number
from events e where e.contract = 'pool' and e.name = 'PoolInitialized';

-- Reward parameter schedules and the cancellations that drop one, with the pool's epoch when each happened.
create view reward_schedule_changes as
select e.address as pool, e.name, e.block_number, e.log_index,
       (e.args->>'fromEpoch')::bigint as from_epoch,
       (e.args->'params'->>'rate')::numeric as rate,
       (e.args->'params'->>'epochBudget')::numeric as epoch_budget,
       (e.args->'params'->>'deviceCap')::numeric as device_cap,
       floor((b.timestamp - s.genesis)::numeric / s.epoch_length)::bigint as current_epoch
from events e
join blocks b on b.number = e.block_number
join pool_settings s on s.pool = e.address
where e.name = 'RewardParamsScheduled' or (e.name = 'QueuedChangeCancelled' and (e.args->>'params')::boolean);

-- The schedules that stand: a schedule not in force yet when the next schedule or cancellation comes is replaced.
create view reward_params as
select pool, from_epoch, rate, epoch_budget, device_cap, block_number, log_index
from (
  select c.*, lead(c.current_epoch) over w as next_current_epoch
  from reward_schedule_changes c
  window w as (partition by c.pool order by c.block_number, c.log_index)
) x
where name = 'RewardParamsScheduled' and (next_current_epoch is null or next_current_epoch >= from_epoch);

-- Ledger mode: each proof credited, with the epoch and rate of the `BatchRecorded` that closes its transaction.
create view ledger_work as
select w.address as pool, b.epoch, b.batch_nonce, (w.args->>'deviceId')::numeric as device_id,
       w.args->>'account' as account, (w.args->>'units')::numeric as units, b.rate,
       (w.args->>'units')::numeric * b.rate as reward_wad, w.block_number, w.tx_hash, w.log_index
from events w
cross join lateral (
  select (e.args->>'epoch')::bigint as epoch, (e.args->>'batchNonce')::numeric as batch_nonce,
         (e.args->>'rate')::numeric as rate
  from events e
  where e.tx_hash = w.tx_hash and e.address = w.address and e.name = 'BatchRecorded' and e.log_index > w.log_index
  order by e.log_index limit 1
) b
where w.contract = 'pool' and w.name = 'WorkRecorded';

-- Epoch mode: every commit, whether the guardian vetoed it and whether a commit for the same epoch replaced it.
create view epoch_commits as
select c.address as pool, (c.args->>'epoch')::bigint as epoch, (c.args->>'nonce')::bigint as nonce,
       c.args->>'root' as root, (c.args->>'totalOwed')::numeric as total_owed,
       (c.args->>'epochTotal')::numeric as epoch_total, (c.args->>'rate')::numeric as rate,
       c.args->>'manifestHash' as manifest_hash, c.args->>'manifestUri' as manifest_uri,
       (c.args->>'formulaVersion')::bigint as formula_version, (c.args->>'claimableAt')::bigint as claimable_at,
       c.block_number, c.tx_hash, c.log_index,
       exists (select 1 from events v where v.address = c.address and v.name = 'EpochVetoed'
               and (v.args->>'nonce')::bigint = (c.args->>'nonce')::bigint) as vetoed,
       exists (select 1 from events s where s.address = c.address and s.name = 'EpochSuperseded'
               and (s.args->>'nonce')::bigint = (c.args->>'nonce')::bigint
               and (s.args->>'byEpoch')::bigint = (c.args->>'epoch')::bigint) as replaced
from events c where c.contract = 'pool' and c.name = 'EpochCommitted';

-- Epoch mode's work: the records of the manifest of each commit that stands (not vetoed, not replaced).
create view epoch_work as
select c.pool, c.epoch, r.device_id, r.account, r.units, c.rate, r.units * c.rate as reward_wad,
       c.block_number, c.tx_hash
from epoch_commits c
join manifest_records r on r.manifest_hash = c.manifest_hash
where not c.vetoed and not c.replaced;

-- All credited work, both modes.
create view work as
select 'ledger' as mode, pool, epoch, device_id, account, units, rate, reward_wad, block_number, tx_hash
from ledger_work
union all
select 'epoch', pool, epoch, device_id, account, units, rate, reward_wad, block_number, tx_hash
from epoch_work;

-- The reward parameters each epoch with work ran under.
create view epoch_params as
select k.pool, k.epoch, p.rate, p.epoch_budget, p.device_cap
from (select distinct pool, epoch from work) k
cross join lateral (
  select rp.rate, rp.epoch_budget, rp.device_cap from reward_params rp
  where rp.pool = k.pool and rp.from_epoch <= k.epoch
  order by rp.from_epoch desc, rp.block_number desc, rp.log_index desc limit 1
) p;

create view funding as
select e.address as pool, e.args->>'from' as funder, e.args->>'ref' as ref, (e.args->>'amount')::numeric as amount,
       e.block_number, e.tx_hash, e.log_index
from events e where e.contract = 'pool' and e.name = 'Funded';

-- Claims; a relayed claim's `RelayerFeePaid` is the pool's next log in the same transaction.
create view claims as
select c.address as pool, c.args->>'account' as account, c.args->>'recipient' as recipient,
       (c.args->>'ledgerAmount')::numeric as ledger_amount, (c.args->>'epochAmount')::numeric as epoch_amount,
       coalesce(f.fee, 0) as relayer_fee, c.block_number, c.tx_hash, c.log_index, b.timestamp
from events c
join blocks b on b.number = c.block_number
left join lateral (
  select (x.args->>'fee')::numeric as fee from events x
  where x.block_number = c.block_number and x.log_index = c.log_index + 1 and x.name = 'RelayerFeePaid'
) f on true
where c.contract = 'pool' and c.name = 'Claimed';

create view clawbacks as
select e.address as pool, e.args->>'account' as account, (e.args->>'deviceId')::numeric as device_id,
       (e.args->>'amountWad')::numeric as amount_wad, e.args->>'reasonHash' as reason_hash, e.block_number, e.tx_hash
from events e where e.contract = 'pool' and e.name = 'ClawedBack';

-- Gas of each transaction that settled something in a pool, by what it did.
create view settlement_transactions as
select distinct on (e.address, t.hash) e.address as pool, t.hash, t.gas_used, t.gas_price,
       case e.name when 'BatchRecorded' then 'record' when 'EpochCommitted' then 'commit'
                   when 'ClawedBack' then 'clawback' when 'EpochVetoed' then 'veto' else 'claim' end as kind
from events e join transactions t on t.hash = e.tx_hash
where e.contract = 'pool' and e.name in ('BatchRecorded', 'EpochCommitted', 'ClawedBack', 'EpochVetoed', 'Claimed')
order by e.address, t.hash, e.log_index;

/* KPIs */

-- Per pool, mode and epoch: active devices, valid work units, rewards credited, utilization against the cap.
create view kpi_epochs as
select w.pool, w.mode, w.epoch, count(distinct w.device_id) as active_devices, sum(w.units) as units,
       sum(w.reward_wad) as reward_wad, p.device_cap, p.epoch_budget,
       avg(w.units / p.device_cap) as utilization
from work w
left join epoch_params p on p.pool = w.pool and p.epoch = w.epoch
group by w.pool, w.mode, w.epoch, p.device_cap, p.epoch_budget;

create view kpi_funding_by_ref as
select pool, ref, count(*) as fundings, sum(amount) as funded from funding group by pool, ref;

-- What each device earned (before clawbacks and adjustments), every pool and epoch together.
create view kpi_device_rewards as
select device_id, count(distinct (pool, epoch)) as epochs, sum(units) as units, sum(reward_wad) as reward_wad
from work group by device_id;

create view kpi_reward_distribution as
select count(*) as devices,
       percentile_disc(0.5) within group (order by reward_wad) as median_wad,
       percentile_disc(0.9) within group (order by reward_wad) as p90_wad,
       max(reward_wad) as max_wad
from kpi_device_rewards;

-- Operators by what they were credited (the payee of record of each credited proof or record).
create view kpi_operators as
select account, count(distinct device_id) as devices, sum(units) as units, sum(reward_wad) as reward_wad
from work group by account;

create view kpi_settlement_gas as
select s.pool, sum(s.gas_used) as gas, count(*) as transactions,
       (select count(*) from (select distinct epoch, device_id from work w where w.pool = s.pool) d) as device_epochs
from settlement_transactions s group by s.pool;

-- Per pool: revenue (funding) against rewards credited, paid, clawed back, and the token balance last read.
create view kpi_pools as
select s.pool, s.token, s.network_id,
       coalesce((select sum(amount) from funding f where f.pool = s.pool), 0) as funded,
       coalesce((select sum(reward_wad) from ledger_work l where l.pool = s.pool), 0) as ledger_credited_wad,
       coalesce((select sum(amount_wad) from clawbacks c where c.pool = s.pool), 0) as clawed_back_wad,
       coalesce((select max(total_owed) from epoch_commits c where c.pool = s.pool and not c.vetoed), 0)
         as epoch_total_owed,
       coalesce((select sum(ledger_amount) from claims c where c.pool = s.pool), 0) as paid_ledger,
       coalesce((select sum(epoch_amount) from claims c where c.pool = s.pool), 0) as paid_epoch,
       coalesce((select sum(relayer_fee) from claims c where c.pool = s.pool), 0) as relayer_fees,
       (select balance from pool_balances b where b.pool = s.pool order by block_number desc limit 1) as balance
from pool_settings s;
