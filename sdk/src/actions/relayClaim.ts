import type { IRewardPool } from "../contracts/index.js";
import type { SignedClaim } from "../core/pool.js";
import { sendOnce } from "./sendOnce.js";
import { poolErrorInterfaces } from "./pool.js";
import type { ClaimReturnType, EpochLeafProof } from "./claim.js";
import { NO_EPOCH, blockNumberOf, claimedIn, claimedSince } from "./claimEvents.js";

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
