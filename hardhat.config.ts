import { createRequire } from "node:module";

import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** The chains operators and protocols use, mainnets and testnets, each `<NAME>_RPC_URL` + `DEPLOYER_PRIVATE_KEY`. */
function publicChains() {
  const chains = {
    mainnet: "l1",
    sepolia: "l1",
    base: "op",
    baseSepolia: "op",
    optimism: "op",
    optimismSepolia: "op",
    arbitrum: "generic",
    arbitrumSepolia: "generic",
  } as const;
  return Object.fromEntries(
    Object.entries(chains).map(([name, chainType]) => [
      name,
      {
        type: "http" as const,
        chainType,
        url: configVariable(`${name.replace(/([A-Z])/g, "_$1").toUpperCase()}_RPC_URL`),
        accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
      },
    ]),
  );
}

/**
 * The compiler is the npm `solc` package's WASM build, pinned to SOLC_VERSION in package.json,
 * so no step ever downloads a compiler (CI and developer machines have no internet).
 */
const SOLC_VERSION = "0.8.30";
/**
 * The governance half's optimizer runs: 1,000 (the other contracts: 10,000), to keep it under the size margin; its
 * batch settlement, push payouts and claim bundles live in the settlement half (RewardPoolSettlement, reached by
 * delegatecall from the governance half's fallback), compiled at 10,000 runs like the pool's own claim code.
 */
const GOVERNANCE_RUNS = 1_000;

/** The invariant campaign's profile: quick in `npm test`, at least 50,000 calls for `npm run bench:invariant`. */
const BENCH_INVARIANTS = process.env.DEPIN_INVARIANT_PROFILE === "bench";
const INVARIANT_REPORT = "bench/invariant-runs.jsonl";

export default defineConfig({
  plugins: [
    hardhatEthers,
    hardhatEthersChaiMatchers,
    hardhatIgnitionEthers,
    hardhatMocha,
    hardhatNetworkHelpers,
    hardhatTypechain,
  ],
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        path: require.resolve("solc/soljson.js"),
        settings: {
          evmVersion: "prague",
          viaIR: true,
          // Tuned for gas per call (claims, batches), not deployment size: the pool is split in two (RewardPool and
          // RewardPoolGovernance) so each half stays well under the 24,576-byte code size limit (EIP-170).
          optimizer: { enabled: true, runs: 10_000 },
        },
      },
    ],
    overrides: {
      // The governance half (setup, governance, views) is tuned for size: it holds the most code, and none of it is on
      // a claim's path (batches, push payouts and claim bundles are the settlement half's, compiled as above).
      "contracts/RewardPoolGovernance.sol": {
        version: SOLC_VERSION,
        path: require.resolve("solc/soljson.js"),
        settings: { evmVersion: "prague", viaIR: true, optimizer: { enabled: true, runs: GOVERNANCE_RUNS } },
      },
    },
  },
  paths: {
    // Hardhat Ignition's own state (journals, to resume and to keep deploys idempotent); records in deployments/<network>/.
    ignition: process.env.DEPIN_IGNITION_DIR ?? "deployments/ignition",
    tests: {
      mocha: "test",
      solidity: "test/solidity",
    },
  },
  typechain: {
    outDir: "types",
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      // `npm test` runs a quick campaign (64 runs of depth 64 per invariant); `npm run bench:invariant`
      // (DEPIN_INVARIANT_PROFILE=bench) runs 800 × 64 = 51,200 calls per invariant, each invariant its own campaign
      // (about a million calls in all), and writes each run's figures to bench/invariant-runs.jsonl.
      invariant: BENCH_INVARIANTS ? { runs: 800, depth: 64 } : { runs: 64, depth: 64 },
      fsPermissions: { writeFile: [INVARIANT_REPORT] },
    },
    mocha: {
      timeout: 120_000,
    },
  },
  networks: {
    // Public chains: RPC URL and deployer key are Hardhat configuration variables, read from the environment or the
    // Hardhat keystore (`npx hardhat keystore set DEPLOYER_PRIVATE_KEY`) when the network is used, never from the repo.
    ...publicChains(),
    localhost: {
      type: "http",
      chainType: "l1",
      // `depin chain` / `hardhat node --hostname 127.0.0.1`; DEPIN_RPC_URL points it at another local port.
      url: process.env.DEPIN_RPC_URL ?? "http://127.0.0.1:8545",
    },
  },
});
