/**
 * The HTML report as a person sees it: opened in a real headless Chromium (Debian's, driven by playwright-core), with
 * the verdict on top and every chart drawn, offline (the page asks the network for nothing). Screenshots go to
 * test-output/audit/. Skipped with a message where /usr/bin/chromium is missing (`.ci/run` installs it).
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";

import {
  EVENT_INTERFACES,
  auditIndex,
  indexChain,
  openAuditDb,
  renderAuditHtml,
  type AuditDb,
  type AuditReport,
} from "../../sdk/src/index.js";
import { sharedRun } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const OUTPUT = fileURLToPath(new URL("../../test-output/audit/", import.meta.url));
const CHARTS = ["rewards", "devices", "distribution", "revenue", "utilization"];

describe("Audit report (HTML) in headless Chromium", function () {
  this.timeout(300_000);
  let browser: Browser;
  let db: AuditDb;
  let report: AuditReport;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      (skipped: no ${CHROMIUM}; apt-get install -y chromium)`);
      this.skip();
    }
    const run = await sharedRun();
    db = await openAuditDb("memory://");
    await indexChain({
      provider: run.provider,
      db,
      registry: run.result.contracts.registry!,
      factory: run.result.contracts.factory!,
      confirmations: 0,
    });
    report = await auditIndex({ db });
    await mkdir(OUTPUT, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });

  after(async function () {
    await browser?.close();
    await db?.close();
  });

  /** Opens `html` from a file; returns the page and every URL it requested. */
  async function open(html: string, name: string) {
    const file = join(OUTPUT, `${name}.html`);
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).toString(), { waitUntil: "load" });
    return { page, requests, errors, file };
  }

  /** Pixels a canvas has drawn (not transparent), read back from the canvas itself. */
  const drawn = (id: string) => `(() => {
    const c = document.getElementById(${JSON.stringify(id)});
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return { n, width: c.width, height: c.height };
  })()`;

  it("shows the verdict on top and draws every chart, offline; a screenshot is kept", async function () {
    const { page, requests, errors } = await open(await renderAuditHtml(report), "report-pass");
    expect(errors).to.deep.equal([]);
    expect(
      requests.every((u) => u.startsWith("file://")),
      requests.join("\n"),
    ).to.equal(true);
    const verdict = page.locator("#verdict");
    expect(await verdict.getAttribute("class")).to.equal("pass");
    expect(await verdict.innerText()).to.match(/^PASS: the ledger rebuilt from \d+ events/);
    // The verdict is the first thing on the page.
    const top = await verdict.boundingBox();
    expect(top!.y).to.be.lessThan(120);
    expect(await page.evaluate("window.chartsRendered")).to.equal(CHARTS.length);
    for (const chart of CHARTS) {
      const { n, width, height } = (await page.evaluate(drawn(`chart-${chart}`))) as {
        n: number;
        width: number;
        height: number;
      };
      expect(width * height, chart).to.be.greaterThan(10_000);
      // Axes, labels and bars or lines: a real drawing covers well over a few percent of the canvas.
      expect(n / (width * height), `${chart}: share of pixels drawn`).to.be.greaterThan(0.02);
    }
    expect(await page.locator("#pools tr").count()).to.equal(report.pools.length + 1);
    expect(await page.locator("#epochs tr").count()).to.equal(report.epochs.length + 1);
    await page.screenshot({ path: join(OUTPUT, "report-pass.png"), fullPage: true });
    await page.close();
  });

  it("shows a failing verdict and the findings, each with its block, transaction and numbers", async function () {
    const run = await sharedRun();
    const pool = run.result.contracts.epochPool!;
    const paid = report.accounts.find((a) => a.pool === pool && a.paidEpoch !== "0")!;
    const { topics, data } = EVENT_INTERFACES.pool.encodeEventLog("Claimed", [
      paid.account,
      paid.account,
      0n,
      1_000_000n,
    ]);
    const forgedTx = `0x${"ab".repeat(32)}`;
    await db.query(
      `insert into events (block_number, log_index, tx_hash, tx_index, address, contract, name, args, topics, data)
       values ((select indexed_to from index_state), 100000, $1, 0, $2, 'pool', 'Claimed', $3::jsonb, $4::text[], $5)`,
      [
        forgedTx,
        pool,
        JSON.stringify({ account: paid.account, recipient: paid.account, ledgerAmount: "0", epochAmount: "1000000" }),
        topics,
        data,
      ],
    );
    const failed = await auditIndex({ db });
    await db.query("delete from events where tx_hash = $1", [forgedTx]);
    const { page, errors } = await open(await renderAuditHtml(failed), "report-fail");
    expect(errors).to.deep.equal([]);
    expect(await page.locator("#verdict").getAttribute("class")).to.equal("fail");
    expect(await page.locator("#verdict").innerText()).to.match(/^FAIL: \d+ findings? \(claim-epoch-mismatch/);
    const rows = page.locator("#findings tr.error");
    expect(await rows.count()).to.equal(failed.findings.filter((f) => f.severity === "error").length);
    const first = await rows.first().innerText();
    expect(first).to.contain("claim-epoch-mismatch");
    expect(first).to.contain(forgedTx.slice(0, 8));
    expect(first).to.contain("1000000");
    expect(await page.evaluate("window.chartsRendered")).to.equal(CHARTS.length);
    await page.screenshot({ path: join(OUTPUT, "report-fail.png"), fullPage: true });
    await page.close();
  });
});
