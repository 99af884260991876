import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { getPoolEvents, type PoolEvent } from "./getPoolEvents.js";

export interface WatchPoolEventsParameters {
  /** Called once per event, in chain order; awaited before the next. */
  onEvent: (event: PoolEvent) => void | Promise<void>;
  /** The first block to report (default: the next block). Earlier blocks are caught up first, then new ones. */
  fromBlock?: number;
  /** Milliseconds between polls (default 1,000). */
  pollingInterval?: number;
  /**
   * Called when a poll or `onEvent` fails; the watch then goes on from the first event not yet reported. Without
   * it, the first failure stops the watch and the function it returned rejects with that failure.
   */
  onError?: (error: unknown) => void;
}

/**
 * Stops the watch; resolves once a poll in flight has finished, after which `onEvent` is never called again. Rejects
 * with the failure that stopped the watch, if one did and no `onError` was given.
 */
export type WatchPoolEventsReturnType = () => Promise<void>;

/**
 * Calls `onEvent` for each event of a pool from `fromBlock` on, polling `eth_getLogs` (works over any HTTP RPC, no
 * filters kept on the node). Events are reported once each, in order; the watch does not handle reorgs: pass a block
 * a few confirmations back, or re-read with `getPoolEvents`.
 * @example
 * const stop = watchPoolEvents(pool, { fromBlock: 0, onEvent: (e) => console.log(e.name, e.args.toObject()) });
 * // later
 * await stop();
 */
export function watchPoolEvents(pool: IRewardPool, p: WatchPoolEventsParameters): WatchPoolEventsReturnType {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("watchPoolEvents needs a provider");
  const interval = p.pollingInterval ?? 1_000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failure: { error: unknown } | undefined;
  let next: number | undefined = p.fromBlock;
  /** The last event reported, so that a poll retried after a failure reports none twice. */
  let last = { blockNumber: -1, logIndex: -1 };

  const poll = async (): Promise<void> => {
    const head = await provider.getBlockNumber();
    if (next === undefined) next = head + 1;
    if (head < next) return;
    for (const event of await getPoolEvents(pool, { fromBlock: next, toBlock: head })) {
      if (stopped) return;
      if (event.blockNumber < last.blockNumber) continue;
      if (event.blockNumber === last.blockNumber && event.logIndex <= last.logIndex) continue;
      await p.onEvent(event);
      last = { blockNumber: event.blockNumber, logIndex: event.logIndex };
    }
    next = head + 1;
  };
  let inFlight: Promise<void> = Promise.resolve();
  const loop = () => {
    inFlight = poll().then(
      () => {
        if (!stopped) timer = setTimeout(loop, interval);
      },
      (error: unknown) => {
        if (p.onError === undefined) {
          stopped = true;
          failure = { error };
          return;
        }
        p.onError(error);
        if (!stopped) timer = setTimeout(loop, interval);
      },
    );
  };
  loop();
  return async () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    await inFlight;
    if (failure !== undefined) throw failure.error;
  };
}
