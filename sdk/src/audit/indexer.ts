/**
 * The indexer: every event of the registry, the factory and the pools the factory created, read from the chain in
 * pages of blocks (`eth_getLogs`) and written to the audit database (see `openAuditDb`), one page per database
 * transaction together with the cursor, so a process stopped at any point resumes where the last page ended: nothing
 * is lost and nothing is written twice (the primary key of an event is its block and log index).
 *
 * Confirmations and reorgs: the indexer follows the chain to its head, and a block is confirmed once `confirmations`
 * blocks are on top of it. The index keeps the hash of every block it read that was not confirmed yet; before each
 * page it compares them with the chain's, and on the first difference it deletes everything after the last
 * confirmed block and reads again from there. A difference at a confirmed block (a reorg deeper than
 * `confirmations`) stops the indexer with `DeepReorgError`: raise the confirmations and index again from scratch.
 */
import { Interface, getAddress, type Log, type Provider } from "ethers";

import { DepinError, InvalidInputError } from "../errors/base.js";
import type { AuditDb, AuditDbSession } from "./db.js";
import { decodeLog, type EventRow, type IndexedContract } from "./events.js";

/** Pool events whose transactions the index keeps (sender, function, gas): the settlement transactions. */
/**
 * The pool events whose transactions are kept (sender, function, gas): settlements, and a push-payout choice (whose
 * function tells whether the account signed it, spending its claim nonce).
 */
export const SETTLEMENT_EVENTS = [
  "BatchRecorded",
  "EpochCommitted",
  "ClawedBack",
  "EpochVetoed",
  "Claimed",
  "PushRecipientSet",
];

const TOKEN = new Interface([
  "function balanceOf(address) view returns (uint256)",
  "function decimals() view returns (uint8)",
]);
/** Rows per INSERT statement (PostgreSQL takes at most 65,535 parameters per statement). */
const INSERT_ROWS = 500;
/** RPC requests in flight at once for receipts, transactions and block headers. */
const RPC_CONCURRENCY = 16;

export interface IndexChainParameters {
  provider: Provider;
  db: AuditDb;
  registry: string;
  factory: string;
  /** First block to read when the index is new (the deployment's block); a resumed index keeps its own. */
  fromBlock?: number;
  /** Last block to read (default: the chain's head, read again after each page until the index reaches it). */
  toBlock?: number;
  /** Blocks on top of a block before it is final (default 12). */
  confirmations?: number;
  /** Blocks per `eth_getLogs` request (default 2,000; halved on a node's refusal). */
  pageSize?: number;
  /** Called after each page is written. */
  onPage?: (progress: IndexProgress) => void;
  /** Stops between pages (the last page written stays, and a later run resumes after it). */
  signal?: AbortSignal;
}

export interface IndexProgress {
  fromBlock: number;
  toBlock: number;
  target: number;
  events: number;
  eventsTotal: number;
}

export interface IndexChainReturnType {
  chainId: bigint;
  /** The first block this run read, and the last block now in the index. */
  fromBlock: number;
  indexedTo: number;
  confirmedTo: number;
  pages: number;
  events: number;
  transactions: number;
  pools: number;
  /** Reorgs found and undone: the block where the chain and the index first differed and the block rolled back to. */
  reorgs: { at: number; rolledBackTo: number }[];
  seconds: number;
  eventsPerSecond: number;
}

/** The chain reorganized below the last confirmed block: the index cannot be trusted past `block`. */
export class DeepReorgError extends DepinError {
  override name = "DeepReorgError";
}

/** The index in the database belongs to another chain or other contracts. */
export class IndexMismatchError extends DepinError {
  override name = "IndexMismatchError";
}

/** The chain changed while a page was read (its logs and its block hashes disagree): read the page again. */
class PageChangedError extends Error {}

interface IndexState {
  chainId: bigint;
  registry: string;
  factory: string;
  startBlock: number;
  indexedTo: number;
  confirmedTo: number;
  confirmations: number;
}

/**
 * Indexes the registry, the factory and its pools up to the chain's head (or `toBlock`), resuming where the index
 * stopped; returns what it read and how fast.
 * @example const run = await indexChain({ provider, db, registry, factory, fromBlock: 0, confirmations: 12 });
 */
export async function indexChain(p: IndexChainParameters): Promise<IndexChainReturnType> {
  const started = performance.now();
  const confirmations = p.confirmations ?? 12;
  if (!Number.isSafeInteger(confirmations) || confirmations < 0) {
    throw new InvalidInputError(`confirmations must be a whole number ≥ 0, got ${confirmations}`);
  }
  let pageSize = p.pageSize ?? 2_000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw new InvalidInputError(`pageSize must be ≥ 1, got ${pageSize}`);
  const { chainId } = await p.provider.getNetwork();
  const state = await openState(p.db, {
    chainId,
    registry: getAddress(p.registry),
    factory: getAddress(p.factory),
    startBlock: p.fromBlock ?? 0,
    confirmations,
  });
  const pools = new Map(
    (await p.db.query<{ address: string; token: string }>("select address, token from pools")).map((r) => [
      r.address,
      r.token,
    ]),
  );
  const run: IndexChainReturnType = {
    chainId,
    fromBlock: state.indexedTo + 1,
    indexedTo: state.indexedTo,
    confirmedTo: state.confirmedTo,
    pages: 0,
    events: 0,
    transactions: 0,
    pools: pools.size,
    reorgs: [],
    seconds: 0,
    eventsPerSecond: 0,
  };

  for (;;) {
    if (p.signal?.aborted) break;
    const head = await p.provider.getBlockNumber();
    const target = Math.min(p.toBlock ?? head, head);
    const reorg = await findReorg(p.provider, p.db, state);
    if (reorg !== undefined) {
      await rollBack(p.db, state, state.confirmedTo);
      run.reorgs.push({ at: reorg, rolledBackTo: state.confirmedTo });
      pools.clear();
      for (const r of await p.db.query<{ address: string; token: string }>("select address, token from pools")) {
        pools.set(r.address, r.token);
      }
      continue;
    }
    if (state.indexedTo >= target) break;
    const from = state.indexedTo + 1;
    const to = Math.min(from + pageSize - 1, target);
    let page: Page;
    try {
      page = await readPage(p.provider, state, pools, from, to, head, to === target);
    } catch (error) {
      if (error instanceof PageChangedError) continue; // the chain moved under the page: check for a reorg again
      if (to > from && isRangeRefusal(error)) {
        pageSize = Math.max(1, Math.floor((to - from + 1) / 2));
        continue;
      }
      throw error;
    }
    await p.db.transaction((tx) => writePage(tx, state, page, to, head));
    for (const pool of page.pools) pools.set(pool.address, pool.token);
    run.pages++;
    run.events += page.events.length;
    run.transactions += page.transactions.length;
    p.onPage?.({ fromBlock: from, toBlock: to, target, events: page.events.length, eventsTotal: run.events });
  }
  run.indexedTo = state.indexedTo;
  run.confirmedTo = state.confirmedTo;
  run.pools = pools.size;
  run.seconds = (performance.now() - started) / 1000;
  run.eventsPerSecond = run.seconds > 0 ? Math.round(run.events / run.seconds) : 0;
  return run;
}

/** Where the index stands, created on first use; refuses an index of another chain or other contracts. */
async function openState(
  db: AuditDb,
  wanted: { chainId: bigint; registry: string; factory: string; startBlock: number; confirmations: number },
): Promise<IndexState> {
  const rows = await db.query<{
    chain_id: string;
    registry: string;
    factory: string;
    start_block: string;
    indexed_to: string;
    confirmed_to: string;
  }>(
    "select chain_id::text, registry, factory, start_block::text, indexed_to::text, confirmed_to::text from index_state",
  );
  const row = rows[0];
  if (row === undefined) {
    const state: IndexState = {
      ...wanted,
      indexedTo: wanted.startBlock - 1,
      confirmedTo: wanted.startBlock - 1,
    };
    await db.query(
      `insert into index_state (id, chain_id, registry, factory, start_block, indexed_to, confirmed_to, confirmations)
       values (1, $1, $2, $3, $4, $5, $6, $7)`,
      [
        wanted.chainId.toString(),
        wanted.registry,
        wanted.factory,
        wanted.startBlock,
        state.indexedTo,
        state.confirmedTo,
        wanted.confirmations,
      ],
    );
    return state;
  }
  const state: IndexState = {
    chainId: BigInt(row.chain_id),
    registry: row.registry,
    factory: row.factory,
    startBlock: Number(row.start_block),
    indexedTo: Number(row.indexed_to),
    confirmedTo: Number(row.confirmed_to),
    confirmations: wanted.confirmations,
  };
  if (state.chainId !== wanted.chainId || state.registry !== wanted.registry || state.factory !== wanted.factory) {
    throw new IndexMismatchError(
      `the index in ${db.location} is of chain ${state.chainId}, registry ${state.registry}, factory ${state.factory}`,
      {
        details: `this run is for chain ${wanted.chainId}, registry ${wanted.registry}, factory ${wanted.factory}: use another --db`,
      },
    );
  }
  await db.query("update index_state set confirmations = $1 where id = 1", [wanted.confirmations]);
  return state;
}

/**
 * The first block whose stored hash the chain no longer has, among the blocks not confirmed when indexed; undefined
 * when the index agrees with the chain. Throws `DeepReorgError` when the last confirmed block changed too.
 */
async function findReorg(provider: Provider, db: AuditDb, state: IndexState): Promise<number | undefined> {
  const stored = await db.query<{ number: string; hash: string }>(
    `select number::text, hash from blocks where number > $1
     union all (select number::text, hash from blocks where number <= $1 order by number desc limit 1)
     order by 1`,
    [state.confirmedTo],
  );
  const hashes = await mapConcurrent(
    stored,
    RPC_CONCURRENCY,
    async (b) => (await provider.getBlock(Number(b.number)))?.hash,
  );
  for (const [i, b] of stored.entries()) {
    if (hashes[i] === b.hash) continue;
    const number = Number(b.number);
    if (number <= state.confirmedTo) {
      throw new DeepReorgError(
        `block ${number} changed after it was confirmed (stored ${b.hash}, the chain now has ${hashes[i] ?? "no block"})`,
        {
          details: `the reorg is deeper than ${state.confirmations} confirmations: index again from scratch with more`,
        },
      );
    }
    return number;
  }
  return undefined;
}

/** Deletes everything the index holds after `block` and moves the cursor back to it, in one transaction. */
async function rollBack(db: AuditDb, state: IndexState, block: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of ["events", "blocks", "transactions", "pool_balances", "pools"]) {
      const column = table === "blocks" ? "number" : "block_number";
      await tx.query(`delete from ${table} where ${column} > $1`, [block]);
    }
    await tx.query("update index_state set indexed_to = $1, updated_at = now() where id = 1", [block]);
  });
  state.indexedTo = block;
}

interface BlockRow {
  number: number;
  hash: string;
  timestamp: number | null;
}

interface TransactionRow {
  hash: string;
  blockNumber: number;
  txIndex: number;
  sender: string;
  recipient: string | null;
  selector: string | null;
  gasUsed: bigint;
  gasPrice: bigint;
  status: number;
}

interface PoolRow {
  address: string;
  creator: string;
  networkId: string;
  token: string;
  tokenDecimals: number | null;
  salt: string;
  poolIndex: string;
  whole: boolean;
  blockNumber: number;
  txHash: string;
}

interface Page {
  events: EventRow[];
  blocks: BlockRow[];
  transactions: TransactionRow[];
  pools: PoolRow[];
  balances: { pool: string; token: string; balance: bigint }[];
}

/** Reads blocks `from`..`to`: logs, the pools created there, block headers, settlement transactions, balances. */
async function readPage(
  provider: Provider,
  state: IndexState,
  known: ReadonlyMap<string, string>,
  from: number,
  to: number,
  head: number,
  lastOfPass: boolean,
): Promise<Page> {
  const kindOf = new Map<string, IndexedContract>([
    [state.registry, "registry"],
    [state.factory, "factory"],
  ]);
  for (const pool of known.keys()) kindOf.set(pool, "pool");
  const logs: Log[] = await provider.getLogs({ address: [...kindOf.keys()], fromBlock: from, toBlock: to });

  // Pools created in this page: their own logs from the block they were created in.
  const created: PoolRow[] = [];
  for (const log of logs) {
    if (getAddress(log.address) !== state.factory) continue;
    const row = decodeLog("factory", log);
    if (row.name !== "PoolCreated" || row.args === null) continue;
    const a = row.args;
    created.push({
      address: getAddress(String(a.pool)),
      creator: String(a.creator),
      networkId: String(a.networkId),
      token: getAddress(String(a.token)),
      tokenDecimals: null,
      salt: String(a.salt),
      poolIndex: String(a.index),
      whole: a.whole === true,
      blockNumber: row.blockNumber,
      txHash: row.txHash,
    });
  }
  const fresh = created.filter((c) => !known.has(c.address));
  for (const c of fresh) {
    try {
      const data = await provider.call({ to: c.token, data: TOKEN.encodeFunctionData("decimals"), blockTag: to });
      c.tokenDecimals = Number(TOKEN.decodeFunctionResult("decimals", data)[0]);
    } catch {
      c.tokenDecimals = null; // not every ERC-20 has decimals(): amounts are then shown in token units
    }
  }
  if (fresh.length > 0) {
    for (const c of fresh) kindOf.set(c.address, "pool");
    const more = await provider.getLogs({
      address: fresh.map((c) => c.address),
      fromBlock: Math.min(...fresh.map((c) => c.blockNumber)),
      toBlock: to,
    });
    logs.push(...more);
  }
  const events = logs
    .map((log) => decodeLog(kindOf.get(getAddress(log.address))!, log))
    .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);

  // Block hashes: the logs' own, checked against the headers read; headers for pool events (their timestamps),
  // for every block not confirmed yet (compared on later passes) and for the page's last block.
  const hashOf = new Map<number, string>();
  for (const log of logs) {
    const seen = hashOf.get(log.blockNumber);
    if (seen !== undefined && seen !== log.blockHash) throw new PageChangedError();
    hashOf.set(log.blockNumber, log.blockHash);
  }
  const needHeader = new Set<number>([to]);
  for (const e of events) if (e.contract !== "registry") needHeader.add(e.blockNumber);
  for (let b = Math.max(from, head - state.confirmations + 1); b <= to; b++) needHeader.add(b);
  const headers = await mapConcurrent([...needHeader], RPC_CONCURRENCY, (n) => provider.getBlock(n));
  const blocks = new Map<number, BlockRow>();
  for (const [number, hash] of hashOf) blocks.set(number, { number, hash, timestamp: null });
  for (const h of headers) {
    if (h === null || h.hash === null) throw new PageChangedError(); // the block is gone: the chain reorganized
    const fromLogs = hashOf.get(h.number);
    if (fromLogs !== undefined && fromLogs !== h.hash) throw new PageChangedError();
    blocks.set(h.number, { number: h.number, hash: h.hash, timestamp: h.timestamp });
  }

  // Settlement transactions: sender, function and gas.
  const settlementTxs = [
    ...new Set(
      events.filter((e) => e.contract === "pool" && SETTLEMENT_EVENTS.includes(e.name ?? "")).map((e) => e.txHash),
    ),
  ];
  const transactions = await mapConcurrent(settlementTxs, RPC_CONCURRENCY, async (hash): Promise<TransactionRow> => {
    const [tx, receipt] = await Promise.all([provider.getTransaction(hash), provider.getTransactionReceipt(hash)]);
    if (tx === null || receipt === null || receipt.blockHash !== hashOf.get(receipt.blockNumber))
      throw new PageChangedError();
    return {
      hash,
      blockNumber: receipt.blockNumber,
      txIndex: receipt.index,
      sender: getAddress(receipt.from),
      recipient: receipt.to === null ? null : getAddress(receipt.to),
      selector: tx.data.length >= 10 ? tx.data.slice(0, 10) : null,
      gasUsed: receipt.gasUsed,
      gasPrice: receipt.gasPrice,
      status: receipt.status ?? 1,
    };
  });

  // At the end of a pass, each pool's token balance as of the last block read (solvency is checked against it).
  const balances: Page["balances"] = [];
  if (lastOfPass) {
    const all = new Map(known);
    for (const c of created) all.set(c.address, c.token);
    const read = await mapConcurrent([...all], RPC_CONCURRENCY, async ([pool, token]) => {
      const data = await provider.call({
        to: token,
        data: TOKEN.encodeFunctionData("balanceOf", [pool]),
        blockTag: to,
      });
      return { pool, token, balance: BigInt(TOKEN.decodeFunctionResult("balanceOf", data)[0] as bigint) };
    });
    balances.push(...read);
  }
  return { events, blocks: [...blocks.values()], transactions, pools: fresh, balances };
}

/** Writes a page and moves the cursor, in the caller's transaction. */
async function writePage(tx: AuditDbSession, state: IndexState, page: Page, to: number, head: number) {
  await insertRows(
    tx,
    "events (block_number, log_index, tx_hash, tx_index, address, contract, name, args, topics, data)",
    ["", "", "", "", "", "", "", "::jsonb", "::text[]", ""],
    page.events.map((e) => [
      e.blockNumber,
      e.logIndex,
      e.txHash,
      e.txIndex,
      e.address,
      e.contract,
      e.name,
      e.args === null ? null : JSON.stringify(e.args),
      e.topics,
      e.data,
    ]),
  );
  await insertRows(
    tx,
    "blocks (number, hash, timestamp)",
    ["", "", ""],
    page.blocks.map((b) => [b.number, b.hash, b.timestamp]),
    "on conflict (number) do update set hash = excluded.hash, timestamp = coalesce(excluded.timestamp, blocks.timestamp)",
  );
  await insertRows(
    tx,
    "transactions (hash, block_number, tx_index, sender, recipient, selector, gas_used, gas_price, status)",
    ["", "", "", "", "", "", "", "", ""],
    page.transactions.map((t) => [
      t.hash,
      t.blockNumber,
      t.txIndex,
      t.sender,
      t.recipient,
      t.selector,
      t.gasUsed.toString(),
      t.gasPrice.toString(),
      t.status,
    ]),
  );
  await insertRows(
    tx,
    "pools (address, creator, network_id, token, token_decimals, salt, pool_index, whole, block_number, tx_hash)",
    ["", "", "", "", "", "", "", "", "", ""],
    page.pools.map((p) => [
      p.address,
      p.creator,
      p.networkId,
      p.token,
      p.tokenDecimals,
      p.salt,
      p.poolIndex,
      p.whole,
      p.blockNumber,
      p.txHash,
    ]),
  );
  await insertRows(
    tx,
    "pool_balances (pool, block_number, token, balance)",
    ["", "", "", ""],
    page.balances.map((b) => [b.pool, to, b.token, b.balance.toString()]),
  );
  state.indexedTo = to;
  state.confirmedTo = Math.max(state.confirmedTo, Math.min(to, head - state.confirmations));
  await tx.query("update index_state set indexed_to = $1, confirmed_to = $2, updated_at = now() where id = 1", [
    state.indexedTo,
    state.confirmedTo,
  ]);
}

/** Multi-row INSERTs of `rows` (each with one value per column), `casts` appended to each placeholder. */
async function insertRows(
  tx: AuditDbSession,
  into: string,
  casts: readonly string[],
  rows: readonly unknown[][],
  suffix = "",
): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_ROWS) {
    const chunk = rows.slice(start, start + INSERT_ROWS);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value, i) => {
        params.push(value);
        return `$${params.length}${casts[i] ?? ""}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await tx.query(`insert into ${into} values ${tuples.join(", ")} ${suffix}`, params);
  }
}

/** A node's refusal of a block range as too large (e.g. "query returned more than 10000 results"). */
function isRangeRefusal(error: unknown): boolean {
  const text = String((error as { message?: unknown })?.message ?? error).toLowerCase();
  return /range|too many|more than|limit|exceed/.test(text);
}

/** `fn` over `items` with at most `limit` calls in flight; results in the items' order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
