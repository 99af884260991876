/**
 * How every write action sends: one transaction, waited for, its revert decoded to a typed SDK error; and what it
 * returns. Shared by the actions, not exported from the package.
 */
import { getAddress, isAddress, type ContractTransactionResponse, type Interface, type Signer } from "ethers";

import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";

/** The transaction that made a change. */
/** What a mined write cost and where it is: every write action returns it (with its own results). */
export interface TransactionResult {
  transactionHash: string;
  blockNumber: number;
  gasUsed: bigint;
}

/** Sends one transaction, waits for it to be mined and decodes a revert with `interfaces`. */
export async function sendTransaction(
  interfaces: readonly Interface[],
  send: () => Promise<ContractTransactionResponse>,
): Promise<TransactionResult> {
  const receipt = await withDecodedErrors(interfaces, async () => (await send()).wait());
  if (receipt === null) throw new InvalidInputError("the transaction was dropped before it was mined");
  return { transactionHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
}

/** `value` as a checksummed address, or an `InvalidInputError` naming `field`. */
export function addressParam(value: string, field: string): string {
  if (!isAddress(value)) {
    throw new InvalidInputError(`${field} ${value} is not an address`, { details: "pass a 0x… 20-byte address" });
  }
  return getAddress(value);
}

/** The signer a contract is connected to, with a provider; or an `InvalidInputError` naming the action. */
export function signerOf(contract: { runner: unknown }, action: string): Signer {
  const runner = contract.runner as Partial<Signer> | null;
  if (
    runner === null ||
    typeof runner.getAddress !== "function" ||
    typeof runner.signTypedData !== "function" ||
    runner.provider === null ||
    runner.provider === undefined
  ) {
    throw new InvalidInputError(`${action} needs a contract connected to a signer with a provider`);
  }
  return runner as Signer;
}
