/** The simulation's summary as a person reads it in a terminal. Pure: formats a `SimulationResult`. */
import type { SimulationResult } from "./run.js";

function table(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [
    `\n${title}`,
    line(header),
    widths.map((w) => "─".repeat(w)).join("  "),
    ...rows.map((r) => line(r.map(String))),
  ].join("\n");
}

const n = (x: number | string | bigint) => Number(x).toLocaleString("en-US");
const gasNumber = (x: string | number) => Number(x).toLocaleString("en-US");

export function formatSimulation(r: SimulationResult): string {
  const p = r.parameters;
  const out: string[] = [];
  out.push(
    `depin-rewards simulation: ${n(r.network.nodes)} nodes, ${p.epochs} epochs, mode ${p.mode}, seed "${p.seed}" ` +
      `(chain ${p.chainId}; rate ${p.rate}; cap ${p.deviceCap} units per device per epoch; quorum ${p.quorum})`,
  );
  const ops = Object.entries(r.network.operators)
    .map(([k, v]) => `${n(v)} ${k}`)
    .join(", ");
  out.push(
    table(
      "Network",
      ["", "value"],
      [
        ["nodes", n(r.network.nodes)],
        ["operators (by fleet size)", ops],
        ["keys", `${n(r.network.keyTypes.secp256k1)} secp256k1, ${n(r.network.keyTypes.p256)} P-256`],
        [
          "devices per pool",
          Object.entries(r.network.devicesByPool)
            .map(([k, v]) => `${k} ${n(v)}`)
            .join(", "),
        ],
        ["suspended by the network admin", r.network.suspended],
        ["device sold mid-run", r.network.sold === null ? "none" : `${r.network.sold.deviceId.slice(0, 12)}…`],
      ],
    ),
  );
  out.push(
    table(
      "Work",
      ["", "reports", "units"],
      [
        ["valid", n(r.work.validReports), n(r.work.validUnits)],
        ...Object.entries(r.work.rejected).map(([k, v]) => [`rejected: ${k}`, n(v.reports), n(v.units)]),
        ...Object.entries(r.work.refusedOnChain).map(([k, v]) => [`refused on-chain: ${k}`, n(v), ""]),
        ...r.work.clawedBack.map((c) => [`clawed back (${c.pool}), USDC`, "1", c.amount]),
        ...r.work.adjusted.map((c) => [`adjusted down (${c.pool}), USDC`, "1", c.amount]),
      ],
    ),
  );
  out.push(
    table(
      "Epochs",
      ["epoch", "pool", "reports", "active", "idle", "units", "rewards USDC", "util. mean/p90 %"],
      r.epochs.map((e) => [
        e.epoch,
        e.pool,
        n(e.reports),
        n(e.activeDevices),
        n(e.idleDevices),
        n(e.validUnits),
        e.rewards,
        `${e.utilization.meanPct}/${e.utilization.p90Pct}`,
      ]),
    ),
  );
  out.push(
    table(
      "Rewards per node (USDC, whole run)",
      ["nodes paid", "median", "p90", "max", "utilization mean/median/p90 % of cap"],
      [
        [
          n(r.rewards.perNode.nodes),
          r.rewards.perNode.median,
          r.rewards.perNode.p90,
          r.rewards.perNode.max,
          `${r.rewards.utilization.meanPct}/${r.rewards.utilization.medianPct}/${r.rewards.utilization.p90Pct}`,
        ],
      ],
    ),
  );
  out.push(
    table(
      "Revenue by funding reference against rewards (USDC)",
      ["pool", "reference", "funded", "credited", "paid", "relayer fees", "funded/paid"],
      r.revenue.flatMap((v) => [
        ...v.funding.map((f) => [v.pool, f.label, f.amount, "", "", "", ""]),
        [v.pool, "total", v.funded, v.credited, v.paid, v.relayerFees, v.fundedPerPaid.toFixed(2)],
      ]),
    ),
  );
  out.push(
    table(
      `Gas (USD at ${p.gasPriceGwei} gwei, ${n(p.ethUsd)} USD/ETH)`,
      ["phase", "gas", "txs", "USD"],
      Object.entries(r.gas.phases).map(([k, v]) => [k, gasNumber(v.gas), n(v.txs), v.usd.toFixed(2)]),
    ),
  );
  const paths = r.claimPaths;
  out.push(
    table(
      "Final payouts by path (operators; the gas of each path is in its phases above)",
      ["path", "operators"],
      [
        ["claim, direct", n(paths.direct)],
        ["claim, gasless (relayed)", n(paths.gasless)],
        ["push payouts (signed opt-in, keeper batches)", n(paths.push)],
        ["all pools in one claimAll", n(paths.allPools)],
        ["signed bundle across pools (relayed)", n(paths.bundle)],
      ],
    ),
  );
  out.push(
    table(
      "Settlement per device per epoch (record or commit, clawback, claims)",
      ["pool", "gas", "USD"],
      Object.entries(r.gas.perDevicePerEpoch).map(([k, v]) => [k, n(v.gas), v.usd.toFixed(6)]),
    ),
  );
  out.push(
    table(
      "Books, to the token unit: Σ paid + Σ claimable = Σ credited ≤ Σ funded",
      ["pool", "funded", "credited", "paid", "claimable", "pool holds", "verdict"],
      r.books.map((b) => [b.pool, b.funded, b.credited, b.paid, b.claimable, b.poolBalance, b.ok ? "ok" : "FAILED"]),
    ),
  );
  if (r.ingest !== undefined) {
    const g = r.ingest;
    out.push(
      table(
        `Ingest over HTTP: ${g.services} verifier services per pool, reports posted to each, quorum co-signed`,
        ["figure", "value"],
        [
          ["reports posted (to each service)", n(g.reportsPosted)],
          ["HTTP requests", n(g.requests)],
          ["posting time", `${g.postSeconds.toFixed(1)} s`],
          ["reports checked per second (all services)", n(g.reportsPerSecond)],
          ["accepted (first service)", n(g.accepted)],
          ...Object.entries(g.refused).map(([k, v]) => [`refused: ${k}`, n(v)]),
          ["batches and commits landed", n(g.itemsLanded)],
          ["quorum signatures released", n(g.signaturesReleased)],
          ...Object.entries(g.proposalsRefused).map(([k, v]) => [`proposals refused by a peer: ${k}`, n(v)]),
          ["closing time (derive, co-sign, submit)", `${g.closeSeconds.toFixed(1)} s`],
          ...Object.entries(g.submittedBy).map(([k, v]) => [`submitted by ${k}`, n(v)]),
        ],
      ),
    );
  }
  out.push(
    `\nTime: ${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(", ")}`,
  );
  out.push(p.note);
  if (r.findings.length > 0) out.push(`\nFINDINGS (${r.findings.length}):\n${r.findings.slice(0, 50).join("\n")}`);
  out.push(
    r.ok ? "\nVerdict: the books balance and every bad report was refused for its reason." : "\nVerdict: FAILED",
  );
  return out.join("\n");
}
