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
export * from "./actions/registry.js";
export * from "./actions/pool.js";
export * from "./actions/epoch.js";
export * from "./actions/token.js";
export * from "./actions/setup.js";
export * from "./errors/base.js";
export * from "./errors/contract.js";
export * from "./errors/token.js";
export * from "./deployments.js";
export * as contracts from "./contracts/index.js";
export * from "./core/random.js";
export { simulate, DEFAULT_SIMULATION, type SimulationOptions, type SimulationResult } from "./simulate/run.js";
export type { SimulationEnvironment, DevProvider, Progress } from "./simulate/run.js";
export { formatSimulation } from "./simulate/report.js";
export { buildWorld, epochReports, BAD_REPORT_KINDS, type World, type BadReportKind } from "./simulate/world.js";
