/** The ingest service's counters and latency histogram, rendered as Prometheus text (exposition format 0.0.4). */

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class IngestMetrics {
  accepted = 0;
  duplicates = 0;
  readonly rejected = new Map<string, number>();
  /** More exposition lines, rendered after the service's own (the verifier quorum's counters). */
  readonly extraLines: (() => string[])[] = [];
  private readonly buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  private latencyCount = 0;
  private latencySum = 0;

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  observe(seconds: number): void {
    this.latencyCount++;
    this.latencySum += seconds;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) this.buckets[i]!++;
  }

  render(extra: Record<string, number> = {}): string {
    const lines = [
      "# HELP depin_ingest_reports_accepted_total Signed work reports accepted and stored.",
      "# TYPE depin_ingest_reports_accepted_total counter",
      `depin_ingest_reports_accepted_total ${this.accepted}`,
      "# HELP depin_ingest_reports_duplicate_total Reports received again (same report, same device and epoch).",
      "# TYPE depin_ingest_reports_duplicate_total counter",
      `depin_ingest_reports_duplicate_total ${this.duplicates}`,
      "# HELP depin_ingest_reports_rejected_total Reports refused, by reason.",
      "# TYPE depin_ingest_reports_rejected_total counter",
      ...[...this.rejected].sort().map(([r, n]) => `depin_ingest_reports_rejected_total{reason="${r}"} ${n}`),
      "# HELP depin_ingest_request_duration_seconds Time from a request's arrival to its response.",
      "# TYPE depin_ingest_request_duration_seconds histogram",
      ...LATENCY_BUCKETS.map((b, i) => `depin_ingest_request_duration_seconds_bucket{le="${b}"} ${this.buckets[i]}`),
      `depin_ingest_request_duration_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `depin_ingest_request_duration_seconds_sum ${this.latencySum}`,
      `depin_ingest_request_duration_seconds_count ${this.latencyCount}`,
      ...Object.entries(extra).flatMap(([k, v]) => [`# TYPE ${k} gauge`, `${k} ${v}`]),
      ...this.extraLines.flatMap((f) => f()),
    ];
    return lines.join("\n") + "\n";
  }
}
