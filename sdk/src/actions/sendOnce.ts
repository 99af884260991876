/**
 * Sending a write whose outcome can be checked on-chain, so that a lost answer never makes it happen twice: after a
 * transport failure the sender's pending transactions are waited out, then the chain is asked whether the change
 * landed (a claim nonce used, a batch recorded); only if it did not is the write sent again.
 */
import {
  NonceManager,
  type ContractTransactionResponse,
  type Interface,
  type Provider,
  type TransactionReceipt,
} from "ethers";

import { DepinError, InvalidInputError } from "../errors/base.js";
import { decodeContractError } from "../errors/contract.js";
import { backoffDelay, isTransientRpcError, sleep, type RetryOptions } from "../rpc/retry.js";
import { signerOf } from "./transaction.js";

export interface SendOnceParameters {
  /** Interfaces to decode a revert with. */
  interfaces: readonly Interface[];
  /** The contract the write goes to, connected to the sending signer. */
  contract: { runner: unknown };
  send: () => Promise<ContractTransactionResponse>;
  /** The hash of the transaction that made the change, if it is on-chain (sent by anyone), else undefined. */
  landed: () => Promise<string | undefined>;
  retry?: RetryOptions;
  /** How long to wait for the sender's pending transactions to be mined before deciding (default 120 s). */
  pendingTimeoutMs?: number;
}

export interface SendOnceResult {
  receipt: TransactionReceipt;
  /** True when an earlier attempt (whose answer was lost), or someone else, made the change. */
  alreadyLanded: boolean;
}

/** A write that may have been sent but whose outcome is unknown: nothing is resent until it is. */
export class WriteOutcomeUnknownError extends DepinError {
  override name = "WriteOutcomeUnknownError";
}

/**
 * Sends a checked write (see the module comment). Reverts are decoded; a revert on a resend is first checked against
 * `landed` (the earlier attempt may have made the change).
 */
export async function sendOnce(p: SendOnceParameters): Promise<SendOnceResult> {
  const signer = signerOf(p.contract, "sending a transaction");
  const provider = signer.provider!;
  const retries = p.retry?.retries ?? 4;
  const baseDelayMs = p.retry?.baseDelayMs ?? 200;
  const receiptOf = async (hash: string): Promise<TransactionReceipt> => {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt === null) throw new InvalidInputError(`transaction ${hash} has no receipt`);
    return receipt;
  };
  for (let attempt = 0; ; attempt++) {
    let response: ContractTransactionResponse;
    try {
      response = await p.send();
    } catch (error) {
      if (attempt > 0 && !isTransientRpcError(error)) {
        // Refused on a resend: the lost attempt may have made the change after all.
        const hash = await p.landed();
        if (hash !== undefined) return { receipt: await receiptOf(hash), alreadyLanded: true };
      }
      if (!isTransientRpcError(error) || attempt >= retries) throw decodeContractError(error, p.interfaces);
      // The request may or may not have reached the node. Settle the sender's pending transactions, then look.
      if (signer instanceof NonceManager) signer.reset();
      await waitForPending(provider, await signer.getAddress(), p.pendingTimeoutMs ?? 120_000);
      const hash = await p.landed();
      if (hash !== undefined) return { receipt: await receiptOf(hash), alreadyLanded: true };
      const delayMs = backoffDelay(attempt + 1, baseDelayMs);
      p.retry?.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs);
      continue;
    }
    // Sent: its hash is known, so waiting (reads, retried by the provider) can never send it twice.
    let receipt: TransactionReceipt | null;
    try {
      receipt = await response.wait();
    } catch (error) {
      throw decodeContractError(error, p.interfaces);
    }
    if (receipt === null) throw new WriteOutcomeUnknownError(`transaction ${response.hash} was dropped`);
    return { receipt, alreadyLanded: false };
  }
}

/** Waits until none of the signer's transactions is pending (its pending nonce equals its mined nonce). */
async function waitForPending(provider: Provider, from: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    const [pending, mined] = await Promise.all([
      provider.getTransactionCount(from, "pending"),
      provider.getTransactionCount(from, "latest"),
    ]);
    if (pending <= mined) return;
    if (Date.now() - start > timeoutMs) {
      throw new WriteOutcomeUnknownError(`${from} has ${pending - mined} transactions pending: not sending again`, {
        details: "wait until they are mined or dropped, then check the change on-chain before retrying",
      });
    }
    await sleep(Math.min(backoffDelay(attempt, 500), 5_000));
  }
}
