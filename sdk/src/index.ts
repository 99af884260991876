/**
 * depin-rewards SDK: pure core (encodings, EIP-712 types, device keys, reward math, epoch trees and manifests),
 * actions over ethers v6 and the typechain types, and typed errors. The contract bindings (typechain types and
 * factories with their ABIs) are checked in under `./contracts` and exported as `contracts`.
 */
export * from "./core/registry.js";
export * from "./core/keys.js";
export * from "./core/registration.js";
export * from "./core/pool.js";
export * from "./core/epoch.js";
export * from "./core/merkle.js";
export * from "./core/eip3009.js";
export * from "./core/work.js";
export * from "./workers/signatures.js";
export * from "./core/fleetCsv.js";
// Bindings: a contract at an address, and the interfaces its errors decode with.
export * from "./actions/pool.js";
export * from "./actions/registry.js";
// Reads: one action per file, `(contract, params)`, nothing sent.
export * from "./actions/checkManifestAgainstChain.js";
export * from "./actions/epochEndBlock.js";
export * from "./actions/getAccountEarnings.js";
export * from "./actions/getClaimable.js";
export * from "./actions/findClaims.js";
export * from "./actions/getDevice.js";
export * from "./actions/getDeviceEarnings.js";
export * from "./actions/getPoolAccount.js";
export * from "./actions/getPoolConfig.js";
export * from "./actions/getPoolEvents.js";
export * from "./actions/listNetworkDevices.js";
export * from "./actions/readDeviceStates.js";
export * from "./actions/readEpochInputs.js";
export * from "./actions/readPoolDomain.js";
export * from "./actions/readTokenDomain.js";
export * from "./actions/watchPoolEvents.js";
// Writes (and the signatures a write needs): one action per file, `(contract connected to a signer, params)`.
export * from "./actions/applyQueuedChanges.js";
export * from "./actions/cancelGuardianChange.js";
export * from "./actions/cancelQueuedChanges.js";
export * from "./actions/claim.js";
export * from "./actions/claimAll.js";
export * from "./actions/clawbackCredit.js";
export * from "./actions/commitEpoch.js";
export * from "./actions/createNetwork.js";
export * from "./actions/createPool.js";
export * from "./actions/createWholePool.js";
export * from "./actions/deployDepin.js";
export * from "./actions/fundPool.js";
export * from "./actions/fundPoolWithAuthorization.js";
export * from "./actions/fundPoolWithPermit.js";
export * from "./actions/queueGuardianChange.js";
export * from "./actions/queueRewardParams.js";
export * from "./actions/queueVerifierChange.js";
export * from "./actions/reactivateDevice.js";
export * from "./actions/recordWork.js";
export * from "./actions/registerDevice.js";
export * from "./actions/registerFleet.js";
export * from "./actions/pushPayouts.js";
export * from "./actions/relayClaim.js";
export * from "./actions/retireDevice.js";
export * from "./actions/setAttestationRequired.js";
export * from "./actions/setClaimSettings.js";
export * from "./actions/setDevicePayout.js";
export * from "./actions/setNetworkAttester.js";
export * from "./actions/setupPool.js";
export * from "./actions/signClaim.js";
export * from "./actions/signClaimBundle.js";
export * from "./actions/submitEpochCommit.js";
export * from "./actions/submitProofBatch.js";
export * from "./actions/suspendDevice.js";
export * from "./actions/vetoEpoch.js";
export type { TransactionResult } from "./actions/transaction.js";
export type { LedgerCredit } from "./actions/ledgerCredits.js";
export { WriteOutcomeUnknownError, type SendOnceResult } from "./actions/sendOnce.js";
export * from "./rpc/retry.js";
export * from "./errors/base.js";
export * from "./errors/contract.js";
export * from "./errors/token.js";
export * from "./deployments.js";
export * as contracts from "./contracts/index.js";
export * from "./core/random.js";
export { simulate, DEFAULT_SIMULATION, type SimulationOptions, type SimulationResult } from "./simulate/run.js";
export type { SimulationEnvironment, DevProvider, Progress } from "./simulate/run.js";
export { formatSimulation } from "./simulate/report.js";
export {
  buildWorld,
  epochReports,
  BAD_REPORT_KINDS,
  type World,
  type BadReportKind,
  type SimulationMode,
} from "./simulate/world.js";
export * from "./audit/index.js";
export * from "./ingest/index.js";
