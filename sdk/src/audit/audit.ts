/**
 * The auditor: rebuilds the ledger from the index alone (see `indexChain`) and the manifests the chain points to,
 * checks it (see `replayLedger` and `FINDING_CODES`), checks each pool's token balance against what it was funded,
 * paid and owes, and computes the KPIs a network is judged by. The verdict passes when nothing is found wrong.
 */
import { WAD } from "../core/pool.js";
import { quantile } from "../core/random.js";
import { InvalidInputError } from "../errors/base.js";
import type { AuditDb } from "./db.js";
import type { EventArgs, IndexedContract } from "./events.js";
import { finding, type Finding } from "./findings.js";
import {
  commitKey,
  epochOwed,
  epochRootsAt,
  paramsAt,
  replayLedger,
  type CommitManifestSource,
  type IndexedEvent,
  type RebuiltLedger,
  type RebuiltPool,
  type SettlementTransaction,
} from "./ledger.js";
import { fetchManifest, loadManifestLibrary, type FetchedManifest } from "./manifests.js";

export interface AuditParameters {
  db: AuditDb;
  /** Local manifest copies (directories or files), matched to commits by hash: for URIs that cannot be fetched. */
  manifests?: readonly string[];
  /** Milliseconds to wait for an http(s) manifest (default 30,000). */
  fetchTimeoutMs?: number;
}

/** Amounts are decimal strings (token units, or WAD where the name says so). */
export interface AuditReport {
  verdict: { ok: boolean; errors: number; warnings: number; summary: string };
  index: {
    chainId: string;
    registry: string;
    factory: string;
    startBlock: number;
    indexedTo: number;
    confirmedTo: number;
    confirmations: number;
    events: number;
    auditedAt: string;
  };
  findings: Finding[];
  pools: PoolSummary[];
  fundingByRef: { pool: string; ref: string; fundings: number; funded: string }[];
  accounts: AccountSummary[];
  devices: DeviceSummary[];
  ownership: { deviceId: string; from: string; to: string; block: number; tx: string }[];
  commits: CommitSummary[];
  epochs: EpochKpi[];
  kpis: OverallKpis;
  rewardPerDevice: { deviceId: string; rewardWad: string; units: string }[];
}

export interface PoolSummary {
  pool: string;
  token: string;
  tokenDecimals: number | null;
  networkId: string;
  paused: boolean;
  verifiers: string[];
  quorum: number;
  funded: string;
  creditedWad: string;
  clawedBackWad: string;
  epochOwed: string;
  epochPaid: string;
  paidLedger: string;
  paidEpoch: string;
  paid: string;
  relayerFees: string;
  /** What the pool still owes: unpaid ledger credit (whole token units, summed per account) and epoch mode's rest. */
  owed: string;
  balance: string | null;
  balanceBlock: number | null;
  commitNonce: number;
  activeRoot: { epoch: number; nonce: number; root: string; totalOwed: string; claimableAt: string } | null;
  pendingRoot: { epoch: number; nonce: number; root: string; totalOwed: string; claimableAt: string } | null;
  claims: number;
  gaslessClaims: number;
  settlementGas: { kind: string; gas: string; transactions: number }[];
  /** Settlement gas (records, commits, clawbacks, claims) per device credited per epoch. */
  settlementGasPerDeviceEpoch: number | null;
}

export interface AccountSummary {
  pool: string;
  account: string;
  unpaidWad: string;
  ledgerClaimable: string;
  paidEpoch: string;
  claimNonce: string;
  creditedWad: string;
  clawedBackWad: string;
  paidLedger: string;
  relayerFees: string;
  claims: number;
}

export interface DeviceSummary {
  deviceId: string;
  networkId: string;
  index: string;
  keyType: number;
  owner: string;
  payout: string;
  status: number;
  metadataHash: string;
  registeredBlock: number;
  transfers: number;
}

export interface CommitSummary {
  pool: string;
  epoch: number;
  nonce: number;
  status: string;
  root: string;
  totalOwed: string;
  epochTotal: string;
  rate: string;
  manifestHash: string;
  manifestUri: string;
  manifestVerified: boolean;
  records: number | null;
  block: number;
  tx: string;
}

export interface EpochKpi {
  pool: string;
  mode: "ledger" | "epoch";
  epoch: number;
  activeDevices: number;
  units: string;
  rewardWad: string;
  rate: string;
  deviceCap: string;
  epochBudget: string;
  /** Share of the budget credited, and units per active device against the cap. */
  budgetUse: number;
  utilization: { mean: number; median: number; p90: number };
  clawedBackWad: string;
  adjustedWad: string;
}

export interface OverallKpis {
  activeDevices: number;
  validUnits: string;
  rewardsCreditedWad: string;
  rewardsPaid: string;
  rewardsOwed: string;
  funded: string;
  rewardPerDevice: { devices: number; medianWad: string; p90Wad: string; maxWad: string };
  topOperators: { account: string; devices: number; rewardWad: string }[];
  utilization: { mean: number; median: number; p90: number };
  clawedBackWad: string;
  adjustedWad: string;
  /** Hours from a credit (a batch, or a root raising the account's total) to the account's next claim. */
  creditToClaimHours: { credits: number; claimed: number; median: number | null; p90: number | null };
  settlementGasPerDeviceEpoch: number | null;
}

/**
 * Audits the index in `db`: rebuild, checks, KPIs.
 * @example const report = await auditIndex({ db: await openAuditDb("./depin-index"), manifests: ["./manifests"] });
 */
export async function auditIndex(p: AuditParameters): Promise<AuditReport> {
  const { db } = p;
  const state = (
    await db.query<{
      chain_id: string;
      registry: string;
      factory: string;
      start_block: string;
      indexed_to: string;
      confirmed_to: string;
      confirmations: number;
    }>(
      "select chain_id::text, registry, factory, start_block::text, indexed_to::text, confirmed_to::text, confirmations from index_state",
    )
  )[0];
  if (state === undefined) {
    throw new InvalidInputError(`the index in ${db.location} is empty`, { details: "run `depin index` first" });
  }
  const rows = await db.query<{
    block_number: string;
    log_index: number;
    tx_hash: string;
    address: string;
    contract: IndexedContract;
    name: string | null;
    args: EventArgs | null;
    timestamp: string | null;
  }>(
    `select e.block_number::text, e.log_index, e.tx_hash, e.address, e.contract, e.name, e.args, b.timestamp::text
     from events e left join blocks b on b.number = e.block_number order by e.block_number, e.log_index`,
  );
  const events: IndexedEvent[] = rows.map((r) => ({
    blockNumber: Number(r.block_number),
    logIndex: Number(r.log_index),
    txHash: r.tx_hash,
    address: r.address,
    contract: r.contract,
    name: r.name,
    args: r.args,
    timestamp: r.timestamp === null ? null : Number(r.timestamp),
  }));
  const transactions = new Map<string, SettlementTransaction>(
    (
      await db.query<{
        hash: string;
        sender: string;
        recipient: string | null;
        selector: string | null;
        gas_used: string;
      }>("select hash, sender, recipient, selector, gas_used::text from transactions")
    ).map((t) => [
      t.hash,
      { sender: t.sender, recipient: t.recipient, selector: t.selector, gasUsed: BigInt(t.gas_used) },
    ]),
  );
  const blockTimestamps = new Map<number, number>(
    (
      await db.query<{ number: string; timestamp: string }>(
        "select number::text, timestamp::text from blocks where timestamp is not null",
      )
    ).map((b) => [Number(b.number), Number(b.timestamp)]),
  );
  const poolRows = await db.query<{ address: string; token_decimals: number | null }>(
    "select address, token_decimals from pools",
  );
  const balances = new Map(
    (
      await db.query<{ pool: string; block_number: string; balance: string }>(
        "select distinct on (pool) pool, block_number::text, balance::text from pool_balances order by pool, block_number desc",
      )
    ).map((b) => [b.pool, { block: Number(b.block_number), balance: BigInt(b.balance) }]),
  );

  // Every commit's manifest: at its URI, and a local copy with the committed hash when given.
  const library = await loadManifestLibrary(p.manifests ?? []);
  const manifests = new Map<string, CommitManifestSource>();
  const manifestTexts = new Map<string, string>();
  for (const [hash, copy] of library) manifestTexts.set(hash, copy.text);
  const byUri = new Map<string, Promise<FetchedManifest>>();
  for (const e of events) {
    if (e.contract !== "pool" || e.name !== "EpochCommitted" || e.args === null) continue;
    const uri = String(e.args.manifestUri);
    if (!byUri.has(uri)) byUri.set(uri, fetchManifest(uri, p.fetchTimeoutMs));
    const fetched = await byUri.get(uri)!;
    if (fetched.text !== undefined) manifestTexts.set(fetched.hash!, fetched.text);
    const local = library.get(String(e.args.manifestHash));
    manifests.set(commitKey(e.blockNumber, e.logIndex), local === undefined ? { fetched } : { fetched, local });
  }

  const ledger = replayLedger({
    chainId: BigInt(state.chain_id),
    events,
    transactions,
    blockTimestamps,
    manifests,
    manifestTexts,
  });
  const findings = [...ledger.findings];
  checkBalances(ledger, balances, findings);
  await storeManifests(db, ledger);

  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;
  const decimals = new Map(
    poolRows.map((r) => [r.address, r.token_decimals === null ? null : Number(r.token_decimals)]),
  );
  const epochs = epochKpis(ledger);
  return {
    verdict: {
      ok: errors === 0,
      errors,
      warnings,
      summary:
        errors === 0
          ? `PASS: the ledger rebuilt from ${events.length} events agrees with every rule and every manifest` +
            (warnings > 0 ? ` (${warnings} warning${warnings > 1 ? "s" : ""})` : "")
          : `FAIL: ${errors} finding${errors > 1 ? "s" : ""} (${[...new Set(findings.filter((f) => f.severity === "error").map((f) => f.code))].join(", ")})`,
    },
    index: {
      chainId: state.chain_id,
      registry: state.registry,
      factory: state.factory,
      startBlock: Number(state.start_block),
      indexedTo: Number(state.indexed_to),
      confirmedTo: Number(state.confirmed_to),
      confirmations: Number(state.confirmations),
      events: events.length,
      auditedAt: new Date().toISOString(),
    },
    findings,
    pools: [...ledger.pools.values()].map((pool) =>
      poolSummary(pool, ledger, balances.get(pool.address), decimals.get(pool.address) ?? null, epochs),
    ),
    fundingByRef: [...ledger.pools.values()].flatMap((pool) =>
      [...pool.fundedByRef].map(([ref, funded]) => ({
        pool: pool.address,
        ref,
        fundings: pool.fundings.filter((f) => f.ref === ref).length,
        funded: funded.toString(),
      })),
    ),
    accounts: [...ledger.pools.values()].flatMap((pool) =>
      [...pool.accounts.values()].map((a) => ({
        pool: pool.address,
        account: a.account,
        unpaidWad: a.unpaidWad.toString(),
        ledgerClaimable: (a.unpaidWad / WAD).toString(),
        paidEpoch: a.paidEpoch.toString(),
        claimNonce: a.claimNonce.toString(),
        creditedWad: a.creditedWad.toString(),
        clawedBackWad: a.clawedBackWad.toString(),
        paidLedger: a.paidLedger.toString(),
        relayerFees: a.relayerFees.toString(),
        claims: a.claims,
      })),
    ),
    devices: [...ledger.devices.values()].map((d) => ({
      deviceId: d.deviceId.toString(),
      networkId: d.networkId.toString(),
      index: d.index.toString(),
      keyType: Number(d.keyType),
      owner: d.owner,
      payout: d.payout,
      status: Number(d.status),
      metadataHash: d.metadataHash,
      registeredBlock: d.registered.block,
      transfers: d.transfers.length - 1,
    })),
    ownership: [...ledger.devices.values()].flatMap((d) =>
      d.transfers.map((t) => ({
        deviceId: d.deviceId.toString(),
        from: t.from,
        to: t.to,
        block: t.at.block,
        tx: t.at.tx,
      })),
    ),
    commits: [...ledger.pools.values()].flatMap((pool) =>
      pool.commits.map((c) => ({
        pool: pool.address,
        epoch: c.epoch,
        nonce: c.nonce,
        status: c.status,
        root: c.root,
        totalOwed: c.totalOwed.toString(),
        epochTotal: c.epochTotal.toString(),
        rate: c.rate.toString(),
        manifestHash: c.manifestHash,
        manifestUri: c.manifestUri,
        manifestVerified: c.manifest !== undefined,
        records: c.manifest?.records.length ?? null,
        block: c.at.block,
        tx: c.at.tx,
      })),
    ),
    epochs,
    kpis: overallKpis(ledger, epochs),
    rewardPerDevice: [...deviceRewards(ledger)].map(([deviceId, r]) => ({
      deviceId: deviceId.toString(),
      rewardWad: r.rewardWad.toString(),
      units: r.units.toString(),
    })),
  };
}

/** The pool's token balance, read by the indexer, against funded − paid and against what it still owes. */
function checkBalances(
  ledger: RebuiltLedger,
  balances: ReadonlyMap<string, { block: number; balance: bigint }>,
  findings: Finding[],
) {
  for (const pool of ledger.pools.values()) {
    const read = balances.get(pool.address);
    if (read === undefined) continue;
    const at = { pool: pool.address, block: read.block };
    const expected = pool.funded - pool.paid;
    const owedWad = owedWadOf(pool);
    if (read.balance * WAD < owedWad) {
      findings.push(
        finding("pool-balance-short", `the pool holds less than it owes at block ${read.block}`, undefined, {
          ...at,
          expected: `≥ ${ceilDiv(owedWad, WAD)} (owed)`,
          actual: String(read.balance),
        }),
      );
    }
    if (read.balance < expected) {
      findings.push(
        finding("pool-balance-short", `the pool holds less than funded − paid at block ${read.block}`, undefined, {
          ...at,
          expected: `${expected} (funded ${pool.funded} − paid ${pool.paid})`,
          actual: String(read.balance),
        }),
      );
    } else if (read.balance > expected) {
      findings.push(
        finding("pool-balance-surplus", `the pool holds more than funded − paid at block ${read.block}`, undefined, {
          ...at,
          expected: String(expected),
          actual: String(read.balance),
        }),
      );
    }
  }
}

/** Everything the pool still owes, in WAD: unpaid ledger credit and epoch mode's total owed less what it paid. */
function owedWadOf(pool: RebuiltPool): bigint {
  let unpaid = 0n;
  for (const a of pool.accounts.values()) unpaid += a.unpaidWad;
  const epochRest = epochOwed(pool) - pool.epochPaid;
  return unpaid + (epochRest > 0n ? epochRest : 0n) * WAD;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Verified manifests and their records into the database, for the SQL views (content-addressed: stored once). */
async function storeManifests(db: AuditDb, ledger: RebuiltLedger): Promise<void> {
  const stored = new Set((await db.query<{ hash: string }>("select hash from manifests")).map((r) => r.hash));
  for (const pool of ledger.pools.values()) {
    for (const c of pool.commits) {
      const m = c.manifest;
      if (m === undefined || stored.has(c.manifestHash)) continue;
      stored.add(c.manifestHash);
      await db.transaction(async (tx) => {
        await tx.query("insert into manifests (hash, pool, epoch, source, text) values ($1, $2, $3, $4, $5)", [
          c.manifestHash,
          pool.address,
          m.epoch,
          c.manifestSource ?? c.manifestUri,
          c.manifestText,
        ]);
        for (let start = 0; start < m.records.length; start += 1_000) {
          const chunk = m.records.slice(start, start + 1_000);
          const params: unknown[] = [];
          const values = chunk.map((r) => {
            params.push(c.manifestHash, r.deviceId.toString(), r.account, r.units.toString(), r.evidenceHash);
            const n = params.length;
            return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
          });
          await tx.query(
            `insert into manifest_records (manifest_hash, device_id, account, units, evidence_hash) values ${values.join(", ")}`,
            params,
          );
        }
        for (const [i, adj] of m.adjustments.entries()) {
          await tx.query(
            "insert into manifest_adjustments (manifest_hash, position, account, amount_wad, reason_hash) values ($1, $2, $3, $4, $5)",
            [c.manifestHash, i, adj.account, adj.amountWad.toString(), adj.reasonHash],
          );
        }
      });
    }
  }
}

/** The work each standing commit's manifest credits (vetoed and replaced commits do not stand). */
function standingRecords(pool: RebuiltPool) {
  return pool.commits
    .filter((c) => c.status !== "vetoed" && c.status !== "replaced" && c.manifest !== undefined)
    .map((c) => ({ commit: c, manifest: c.manifest! }));
}

function distribution(values: readonly number[]): { mean: number; median: number; p90: number } {
  if (values.length === 0) return { mean: 0, median: 0, p90: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    mean: round(values.reduce((s, x) => s + x, 0) / values.length),
    median: round(at(0.5)),
    p90: round(at(0.9)),
  };
}

function epochKpis(ledger: RebuiltLedger): EpochKpi[] {
  const out: EpochKpi[] = [];
  for (const pool of ledger.pools.values()) {
    const groups = new Map<
      string,
      { mode: "ledger" | "epoch"; epoch: number; units: Map<bigint, bigint>; rewardWad: bigint; adjustedWad: bigint }
    >();
    const group = (mode: "ledger" | "epoch", epoch: number) => {
      const key = `${mode}:${epoch}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { mode, epoch, units: new Map(), rewardWad: 0n, adjustedWad: 0n }));
      return g;
    };
    for (const c of pool.credits) {
      const g = group("ledger", c.epoch);
      g.units.set(c.deviceId, (g.units.get(c.deviceId) ?? 0n) + c.units);
      g.rewardWad += c.rewardWad;
    }
    for (const { manifest } of standingRecords(pool)) {
      const g = group("epoch", manifest.epoch);
      for (const r of manifest.records) {
        g.units.set(r.deviceId, (g.units.get(r.deviceId) ?? 0n) + r.units);
        g.rewardWad += r.units * manifest.rate;
      }
      g.adjustedWad += manifest.adjustments.reduce((s, a) => s + a.amountWad, 0n);
    }
    for (const g of [...groups.values()].sort((a, b) => a.epoch - b.epoch || a.mode.localeCompare(b.mode))) {
      const params = paramsAt(pool, g.epoch);
      const units = [...g.units.values()];
      // Clawbacks name the device, not the epoch: counted in the epoch the device's clawed credit was recorded.
      const clawed = pool.clawbacks
        .filter(
          (cb) =>
            g.mode === "ledger" &&
            pool.credits.some((c) => c.epoch === g.epoch && c.deviceId === cb.deviceId && c.at.block <= cb.at.block),
        )
        .reduce((s, cb) => s + cb.amountWad, 0n);
      out.push({
        pool: pool.address,
        mode: g.mode,
        epoch: g.epoch,
        activeDevices: g.units.size,
        units: units.reduce((s, x) => s + x, 0n).toString(),
        rewardWad: g.rewardWad.toString(),
        rate: params.rate.toString(),
        deviceCap: params.deviceCap.toString(),
        epochBudget: params.epochBudget.toString(),
        budgetUse: Number((g.rewardWad * 10_000n) / (params.epochBudget * WAD)) / 10_000,
        utilization: distribution(units.map((u) => Number(u) / Number(params.deviceCap))),
        clawedBackWad: clawed.toString(),
        adjustedWad: g.adjustedWad.toString(),
      });
    }
  }
  return out;
}

/** Each device's credited work, both modes, every pool (before clawbacks and adjustments). */
function deviceRewards(
  ledger: RebuiltLedger,
): Map<bigint, { rewardWad: bigint; units: bigint; accounts: Set<string> }> {
  const out = new Map<bigint, { rewardWad: bigint; units: bigint; accounts: Set<string> }>();
  const add = (deviceId: bigint, account: string, units: bigint, rewardWad: bigint) => {
    const r = out.get(deviceId) ?? { rewardWad: 0n, units: 0n, accounts: new Set<string>() };
    r.rewardWad += rewardWad;
    r.units += units;
    r.accounts.add(account);
    out.set(deviceId, r);
  };
  for (const pool of ledger.pools.values()) {
    for (const c of pool.credits) add(c.deviceId, c.account, c.units, c.rewardWad);
    for (const { manifest } of standingRecords(pool))
      for (const r of manifest.records) add(r.deviceId, r.account, r.units, r.units * manifest.rate);
  }
  return out;
}

function overallKpis(ledger: RebuiltLedger, epochs: readonly EpochKpi[]): OverallKpis {
  const perDevice = deviceRewards(ledger);
  const rewards = [...perDevice.values()].map((r) => r.rewardWad).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const operators = new Map<string, { devices: Set<bigint>; rewardWad: bigint }>();
  const credit = (account: string, deviceId: bigint, wad: bigint) => {
    const o = operators.get(account) ?? { devices: new Set<bigint>(), rewardWad: 0n };
    o.devices.add(deviceId);
    o.rewardWad += wad;
    operators.set(account, o);
  };
  let credited = 0n;
  let paid = 0n;
  let owedWad = 0n;
  let funded = 0n;
  let clawed = 0n;
  let adjusted = 0n;
  let gas = 0n;
  let deviceEpochs = 0;
  const utilization: number[] = [];
  const delays: number[] = [];
  let creditEvents = 0;
  for (const pool of ledger.pools.values()) {
    for (const c of pool.credits) credit(c.account, c.deviceId, c.rewardWad);
    const standing = standingRecords(pool);
    for (const { manifest } of standing)
      for (const r of manifest.records) credit(r.account, r.deviceId, r.units * manifest.rate);
    credited += pool.creditedWad + epochOwed(pool) * WAD;
    paid += pool.paid;
    owedWad += owedWadOf(pool);
    funded += pool.funded;
    clawed += pool.clawedBackWad;
    for (const { manifest } of standing) adjusted += manifest.adjustments.reduce((s, a) => s + a.amountWad, 0n);
    for (const line of pool.gas.values()) gas += line.gas;
    for (const e of epochs.filter((x) => x.pool === pool.address)) deviceEpochs += e.activeDevices;
    // Credit → claim: each batch credit, and each standing root that raised an account's total, to its next claim.
    const claimsOf = new Map<string, { timestamp: number; ledger: boolean; epoch: boolean }[]>();
    for (const c of pool.claims) {
      const list = claimsOf.get(c.account) ?? [];
      list.push({ timestamp: c.timestamp, ledger: c.ledgerAmount > 0n, epoch: c.epochAmount > 0n });
      claimsOf.set(c.account, list);
    }
    const wait = (account: string, from: number, mode: "ledger" | "epoch") => {
      creditEvents++;
      const next = claimsOf.get(account)?.find((c) => c.timestamp >= from && (mode === "ledger" ? c.ledger : c.epoch));
      if (next !== undefined) delays.push((next.timestamp - from) / 3_600);
    };
    const seen = new Set<string>();
    for (const c of pool.credits) {
      const key = `${c.account}:${c.at.tx}`;
      if (seen.has(key)) continue;
      seen.add(key);
      wait(c.account, c.timestamp, "ledger");
    }
    let before = new Map<string, bigint>();
    for (const { commit, manifest } of standing) {
      const now = new Map(manifest.accounts.map((a) => [a.account, a.cumulative]));
      for (const [account, cumulative] of now)
        if (cumulative > (before.get(account) ?? 0n)) wait(account, Number(commit.claimableAt), "epoch");
      before = now;
    }
  }
  for (const pool of ledger.pools.values()) {
    for (const c of pool.credits) utilization.push(Number(c.units) / Number(paramsAt(pool, c.epoch).deviceCap));
    for (const { manifest } of standingRecords(pool)) {
      for (const r of manifest.records) utilization.push(Number(r.units) / Number(manifest.deviceCap));
    }
  }
  const hours = [...delays].sort((a, b) => a - b);
  const at = (q: number) =>
    hours.length === 0
      ? null
      : Math.round(hours[Math.min(hours.length - 1, Math.ceil(q * hours.length) - 1)]! * 100) / 100;
  const activeDevices = new Set<bigint>();
  let units = 0n;
  for (const [deviceId, r] of perDevice) {
    activeDevices.add(deviceId);
    units += r.units;
  }
  return {
    activeDevices: activeDevices.size,
    validUnits: units.toString(),
    rewardsCreditedWad: credited.toString(),
    rewardsPaid: paid.toString(),
    rewardsOwed: ceilDiv(owedWad, WAD).toString(),
    funded: funded.toString(),
    rewardPerDevice: {
      devices: rewards.length,
      medianWad: quantile(rewards, 0.5).toString(),
      p90Wad: quantile(rewards, 0.9).toString(),
      maxWad: (rewards.at(-1) ?? 0n).toString(),
    },
    topOperators: [...operators]
      .sort(([, a], [, b]) => (a.rewardWad > b.rewardWad ? -1 : a.rewardWad < b.rewardWad ? 1 : 0))
      .slice(0, 10)
      .map(([account, o]) => ({ account, devices: o.devices.size, rewardWad: o.rewardWad.toString() })),
    utilization: distribution(utilization),
    clawedBackWad: clawed.toString(),
    adjustedWad: adjusted.toString(),
    creditToClaimHours: { credits: creditEvents, claimed: delays.length, median: at(0.5), p90: at(0.9) },
    settlementGasPerDeviceEpoch: deviceEpochs === 0 ? null : Math.round(Number(gas) / deviceEpochs),
  };
}

function poolSummary(
  pool: RebuiltPool,
  ledger: RebuiltLedger,
  balance: { block: number; balance: bigint } | undefined,
  tokenDecimals: number | null,
  epochs: readonly EpochKpi[],
): PoolSummary {
  const { active, pending } = epochRootsAt(pool, BigInt(ledger.lastTimestamp));
  const root = (r: typeof active) =>
    r.claimableAt === 0n
      ? null
      : {
          epoch: r.epoch,
          nonce: r.nonce,
          root: r.root,
          totalOwed: r.totalOwed.toString(),
          claimableAt: r.claimableAt.toString(),
        };
  const paidLedger = pool.claims.reduce((s, c) => s + c.ledgerAmount, 0n);
  let gas = 0n;
  for (const line of pool.gas.values()) gas += line.gas;
  const deviceEpochs = epochs.filter((e) => e.pool === pool.address).reduce((s, e) => s + e.activeDevices, 0);
  return {
    pool: pool.address,
    token: pool.token,
    tokenDecimals,
    networkId: pool.networkId.toString(),
    paused: pool.paused,
    verifiers: [...pool.verifiers].sort(),
    quorum: pool.quorum,
    funded: pool.funded.toString(),
    creditedWad: pool.creditedWad.toString(),
    clawedBackWad: pool.clawedBackWad.toString(),
    epochOwed: epochOwed(pool).toString(),
    epochPaid: pool.epochPaid.toString(),
    paidLedger: paidLedger.toString(),
    paidEpoch: (pool.paid - paidLedger).toString(),
    paid: pool.paid.toString(),
    relayerFees: pool.relayerFees.toString(),
    owed: ceilDiv(owedWadOf(pool), WAD).toString(),
    balance: balance === undefined ? null : balance.balance.toString(),
    balanceBlock: balance?.block ?? null,
    commitNonce: pool.commitNonce,
    activeRoot: root(active),
    pendingRoot: root(pending),
    claims: pool.claims.length,
    gaslessClaims: pool.claims.filter((c) => c.gasless).length,
    settlementGas: [...pool.gas].map(([kind, line]) => ({ kind, gas: line.gas.toString(), transactions: line.txs })),
    settlementGasPerDeviceEpoch: deviceEpochs === 0 ? null : Math.round(Number(gas) / deviceEpochs),
  };
}
