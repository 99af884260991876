/**
 * RewardPool and factory actions over ethers v6 and the typechain types: reads apart from writes, errors decoded.
 */
import {
  AbiCoder,
  concat,
  getAddress,
  type ContractRunner,
  type TransactionReceipt,
  type TypedDataDomain,
} from "ethers";

import {
  RewardPoolFactory__factory,
  RewardPool__factory,
  RewardPoolGovernance__factory,
  IRewardPool__factory,
  DeviceRegistry__factory,
  type IRewardPool,
  type RewardPoolFactory,
} from "../contracts/index.js";
import type { IRewardPoolBase } from "../contracts/interfaces/IRewardPool.js";
import {
  CLAIM_TYPES,
  POOL_DOMAIN_NAME,
  POOL_DOMAIN_VERSION,
  attestBatch,
  attestClawback,
  poolDomain,
  type Clawback,
  type QuorumSignatures,
  type Proof,
  type QuorumSigner,
  type SignedClaim,
} from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { sendOnce } from "./sendOnce.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";
import { submitProofBatch, type SubmitProofBatchReturnType } from "./submitProofBatch.js";

/** Interfaces whose custom errors pool calls can revert with. */
export const poolErrorInterfaces = [
  IRewardPool__factory.createInterface(),
  // The two halves' own ABIs add the errors of the OpenZeppelin parts they use (initializer, SafeERC20, guard).
  RewardPool__factory.createInterface(),
  RewardPoolGovernance__factory.createInterface(),
  RewardPoolFactory__factory.createInterface(),
  DeviceRegistry__factory.createInterface(),
];

/** A pool's full interface: its own code serves value moves, its governance contract (by delegatecall) the rest. */
export function rewardPoolAt(address: string, runner: ContractRunner): IRewardPool {
  return IRewardPool__factory.connect(address, runner);
}

export function rewardPoolFactoryAt(address: string, runner: ContractRunner): RewardPoolFactory {
  return RewardPoolFactory__factory.connect(address, runner);
}

/**
 * The pool's EIP-712 domain, read from the chain and checked: the contract must name itself as the verifying
 * contract and the connected chain as its chain, so a look-alike contract cannot collect signatures for another.
 */
export async function readPoolDomain(pool: IRewardPool): Promise<TypedDataDomain> {
  const [[, name, version, chainId, verifyingContract], address, network] = await Promise.all([
    pool.eip712Domain(),
    pool.getAddress(),
    pool.runner?.provider?.getNetwork(),
  ]);
  if (name !== POOL_DOMAIN_NAME || version !== POOL_DOMAIN_VERSION) {
    throw new InvalidInputError(
      `${address} is not a reward pool: its EIP-712 domain is "${name}" version "${version}"`,
    );
  }
  if (getAddress(verifyingContract) !== getAddress(address) || (network !== undefined && network.chainId !== chainId)) {
    throw new InvalidInputError(
      `${address} reports the EIP-712 domain of ${verifyingContract} on chain ${chainId}: refusing to sign for it`,
    );
  }
  return poolDomain(chainId, verifyingContract);
}

/* READS */

export interface PoolAccount {
  /** Ledger credit not yet paid, in WAD (token units × 1e18); the part below one token unit carries. */
  unpaidWad: bigint;
  ledgerClaimable: bigint;
  /** What epoch mode has paid the account so far, in token units. */
  paidEpoch: bigint;
  claimNonce: bigint;
}

/**
 * An account's ledger entry in a pool.
 * @example const { ledgerClaimable } = await getPoolAccount(pool, operator);
 */
export async function getPoolAccount(
  pool: IRewardPool,
  account: string,
  overrides: { blockTag?: number } = {},
): Promise<PoolAccount> {
  const a = await withDecodedErrors(poolErrorInterfaces, () => pool.account(account, overrides));
  return {
    unpaidWad: a.unpaidWad,
    ledgerClaimable: a.ledgerClaimable,
    paidEpoch: a.paidEpoch,
    claimNonce: a.claimNonce,
  };
}

/* WRITES */

export type PoolConfig = IRewardPoolBase.PoolConfigStruct;

/**
 * Creates a pool through the factory at its deterministic address and returns that address.
 * @example const pool = await createPool(factory.connect(protocol), { config, salt: id("my-pool") });
 */
export async function createPool(factory: RewardPoolFactory, p: { config: PoolConfig; salt: string }): Promise<string> {
  const address = await factory.predictPool(await creatorOf(factory, "createPool"), p.salt);
  await withDecodedErrors(poolErrorInterfaces, async () => (await factory.createPool(p.config, p.salt)).wait());
  return address;
}

/** The address of the signer a factory is connected to: the pool's creator, which fixes its address. */
async function creatorOf(factory: RewardPoolFactory, action: string): Promise<string> {
  const runner = factory.runner;
  if (runner === null || !("getAddress" in runner) || typeof runner.getAddress !== "function") {
    throw new InvalidInputError(`${action} needs a factory connected to a signer`);
  }
  return (await runner.getAddress()) as string;
}

/** `RewardPool` creation code for a whole (unproxied) pool delegating to `governance`: what `createWholePool` deploys. */
export function wholePoolInitcode(governance: string): string {
  return concat([
    RewardPool__factory.bytecode,
    AbiCoder.defaultAbiCoder().encode(["bool", "address"], [false, governance]),
  ]);
}

/**
 * Creates a whole pool (no proxy): ~5M gas once, ~2,700 gas less on every later claim and batch than a clone.
 * @example const pool = await createWholePool(factory.connect(protocol), { config, salt: id("my-pool") });
 */
export async function createWholePool(
  factory: RewardPoolFactory,
  p: { config: PoolConfig; salt: string },
): Promise<string> {
  const address = await factory.predictWholePool(await creatorOf(factory, "createWholePool"), p.salt);
  await withDecodedErrors(poolErrorInterfaces, async () =>
    (await factory.createWholePool(p.config, p.salt, wholePoolInitcode(await factory.GOVERNANCE()))).wait(),
  );
  return address;
}

/**
 * Funds the pool from the signer's balance (approve first) under a reference. See also `fundPoolWithPermit` and
 * `fundPoolWithAuthorization`, which need no approval.
 * @example await fundPool(rewardPoolAt(pool, funder), { amount: 1_000_000_000n, ref: id("customer-contract-17") });
 */
export async function fundPool(pool: IRewardPool, p: { amount: bigint; ref: string }): Promise<TransactionResult> {
  if (p.amount <= 0n) throw new InvalidInputError(`funding amount must be positive, got ${p.amount}`);
  return sendTransaction(poolErrorInterfaces, () => pool.fund(p.amount, p.ref));
}

export interface RecordWorkParams {
  epoch: bigint;
  proofs: readonly Proof[];
  verifiers: readonly QuorumSigner[];
  /** First batch nonce to use; batches take consecutive nonces. */
  firstNonce: bigint;
  /** Proofs per transaction (500 fits comfortably under the per-transaction gas cap). */
  batchSize?: number;
  /** Called after each batch is mined with the proofs recorded so far and the total (progress bars). */
  onBatch?: (recorded: number, total: number) => void;
}

export interface RecordWorkReturnType {
  /** The next unused batch nonce. */
  nextNonce: bigint;
  /** One per batch, in order. */
  batches: (SubmitProofBatchReturnType & { nonce: bigint; proofs: number })[];
}

/**
 * Records verified work in batches, each attested by `verifiers` (a quorum of the pool's verifier set); each batch
 * goes through `submitProofBatch`, so none is ever sent twice.
 * @example const { nextNonce } = await recordWork(pool.connect(relayer), { epoch: 3n, proofs, verifiers: quorum, firstNonce: 0n });
 */
export async function recordWork(pool: IRewardPool, p: RecordWorkParams): Promise<RecordWorkReturnType> {
  const batchSize = p.batchSize ?? 500;
  if (batchSize < 1 || batchSize > 1000) throw new InvalidInputError(`batchSize must be 1..1000, got ${batchSize}`);
  if (p.proofs.length === 0) throw new InvalidInputError("no proofs to record");
  const domain = await readPoolDomain(pool);
  let nonce = p.firstNonce;
  const batches: RecordWorkReturnType["batches"] = [];
  for (let start = 0; start < p.proofs.length; start += batchSize) {
    const batch = p.proofs.slice(start, start + batchSize);
    const quorum = await attestBatch(p.verifiers, domain, p.epoch, nonce, batch);
    const submitted = await submitProofBatch(pool, { epoch: p.epoch, batchNonce: nonce, proofs: batch, quorum });
    batches.push({ ...submitted, nonce, proofs: batch.length });
    nonce += 1n;
    p.onBatch?.(start + batch.length, p.proofs.length);
  }
  return { nextNonce: nonce, batches };
}

/** An account's epoch-mode leaf and its proof, as `proofFor` finds them in a manifest. */
export interface EpochLeafProof {
  cumulative: bigint;
  proof: string[];
}

const NO_EPOCH: EpochLeafProof = { cumulative: 0n, proof: [] };

export interface ClaimReturnType extends TransactionResult {
  /** Paid from ledger credit and from epoch mode, in token units (the relayer's fee included). */
  ledgerAmount: bigint;
  epochAmount: bigint;
  amount: bigint;
  /** True when an earlier attempt whose answer was lost (or another sender) made this claim. */
  alreadyLanded: boolean;
}

function claimedIn(pool: IRewardPool, receipt: TransactionReceipt, alreadyLanded: boolean): ClaimReturnType {
  const sent = { transactionHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
  for (const log of receipt.logs) {
    const parsed = pool.interface.parseLog(log);
    if (parsed?.name === "Claimed") {
      const ledgerAmount = parsed.args.ledgerAmount as bigint;
      const epochAmount = parsed.args.epochAmount as bigint;
      return { ...sent, ledgerAmount, epochAmount, amount: ledgerAmount + epochAmount, alreadyLanded };
    }
  }
  return { ...sent, ledgerAmount: 0n, epochAmount: 0n, amount: 0n, alreadyLanded };
}

/**
 * Claims everything `account` is owed by both modes (ledger credit, and the epoch-mode cumulative when `epoch` is
 * given); anyone may send it, the funds go to `account`. If the answer to the transaction is lost, the account's
 * `Claimed` events are checked before it is sent again (`sendOnce`).
 * @example const { amount } = await claim(pool, operator, proofFor(manifest, operator));
 */
export async function claim(
  pool: IRewardPool,
  account: string,
  epoch: EpochLeafProof = NO_EPOCH,
): Promise<ClaimReturnType> {
  const startBlock = await blockNumberOf(pool);
  const { receipt, alreadyLanded } = await sendOnce({
    interfaces: poolErrorInterfaces,
    contract: pool,
    send: () => pool.claim(account, epoch.cumulative, epoch.proof),
    landed: () => claimedSince(pool, account, startBlock),
  });
  return claimedIn(pool, receipt, alreadyLanded);
}

async function blockNumberOf(pool: IRewardPool): Promise<number> {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("a pool action needs a provider");
  return provider.getBlockNumber();
}

/** The hash of the first `Claimed` event of `account` after block `startBlock` (the head before sending), if any. */
async function claimedSince(pool: IRewardPool, account: string, startBlock: number): Promise<string | undefined> {
  const logs = await pool.queryFilter(pool.filters.Claimed(account), startBlock + 1);
  return logs[0]?.transactionHash;
}

/** The account's signature for a gasless claim, to hand to a relayer. */
export async function signClaim(signer: QuorumSigner, domain: TypedDataDomain, c: SignedClaim): Promise<string> {
  if (signer.address.toLowerCase() !== c.account.toLowerCase()) {
    throw new InvalidInputError(`the claim is for ${c.account} but ${signer.address} is signing`);
  }
  return signer.signTypedData(domain, CLAIM_TYPES, { ...c });
}

/**
 * Relays a signed claim, taking `fee` (at most the signed maximum and the pool's cap); the rest goes to the signed
 * recipient. A lost answer is checked against the account's claim nonce before anything is resent.
 * @example await relayClaim(pool.connect(relayer), { claim, signature, fee: 10_000n, epoch: proofFor(manifest, account) });
 */
export async function relayClaim(
  pool: IRewardPool,
  p: { claim: SignedClaim; signature: string; fee: bigint; epoch?: EpochLeafProof },
): Promise<ClaimReturnType> {
  const epoch = p.epoch ?? NO_EPOCH;
  const startBlock = await blockNumberOf(pool);
  const { receipt, alreadyLanded } = await sendOnce({
    interfaces: poolErrorInterfaces,
    contract: pool,
    send: () => pool.claimWithSig(p.claim, epoch.cumulative, epoch.proof, p.fee, p.signature),
    landed: async () =>
      (await pool.account(p.claim.account)).claimNonce > p.claim.nonce
        ? claimedSince(pool, p.claim.account, startBlock)
        : undefined,
  });
  return claimedIn(pool, receipt, alreadyLanded);
}

/**
 * Takes back unclaimed ledger credit of fraudulent work, with the quorum's signatures over the clawback (each
 * verifier signs `CLAWBACK_TYPES` with the pool's domain; `attestClawback` collects them).
 * @example await clawbackCredit(pool.connect(relayer), { clawback, verifiers: quorum });
 */
export async function clawbackCredit(
  pool: IRewardPool,
  p: { clawback: Clawback; verifiers: readonly QuorumSigner[] },
): Promise<TransactionResult> {
  if (p.clawback.amountWad <= 0n) throw new InvalidInputError("a clawback takes a positive amount (amountWad)");
  const signatures = await attestClawback(p.verifiers, await readPoolDomain(pool), p.clawback);
  const c = p.clawback;
  return sendTransaction(poolErrorInterfaces, () =>
    pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, signatures),
  );
}

export type { QuorumSignatures };
