/**
 * Retries where they are safe. Reads are retried on transport failures (a dropped connection, a timeout, HTTP 5xx;
 * ethers itself retries HTTP 429) with exponential backoff. Writes are never resent by the transport: a
 * transaction whose response was lost may have landed, so the write actions check the chain first (`sendOnce`).
 */
import {
  JsonRpcProvider,
  isError,
  type JsonRpcApiProviderOptions,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Networkish,
} from "ethers";

/** JSON-RPC methods that change nothing: a lost answer can be asked for again. */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getTransactionCount",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
]);

export interface RetryOptions {
  /** Attempts after the first (default 4). */
  retries?: number;
  /** The first wait in milliseconds; each next one doubles, with up to 50% jitter (default 200). */
  baseDelayMs?: number;
  /** Called before each retry (logging, metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * Whether an RPC call failed in transport (the node may not have seen it, or its answer was lost), as opposed to an
 * answer (a revert, a JSON-RPC error): refused connections, resets, timeouts, and HTTP 5xx and 429.
 */
export function isTransientRpcError(error: unknown): boolean {
  let e: unknown = error;
  // ethers and Node nest the transport error (`cause`, `error`); a few levels are enough.
  for (let depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    if (isError(e, "TIMEOUT") || isError(e, "NETWORK_ERROR")) return true;
    const {
      code,
      message,
      cause,
      error: inner,
      response,
    } = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      error?: unknown;
      response?: { statusCode?: number };
    };
    // ethers' SERVER_ERROR for an HTTP answer that was not 2xx (600: its own retries of HTTP 429 ran out).
    const status = response?.statusCode;
    if (isError(e, "SERVER_ERROR") && status !== undefined && (status === 429 || status >= 500)) return true;
    if (typeof code === "string" && TRANSPORT_CODES.has(code)) return true;
    if (typeof message === "string" && /socket hang up/i.test(message)) return true;
    e = cause ?? inner;
  }
  return false;
}

/** Node's codes for a connection that failed or broke. */
const TRANSPORT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "UND_ERR_SOCKET"]);

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before retry `attempt` (1-based): base × 2^(attempt−1), plus up to 50% jitter. */
export function backoffDelay(attempt: number, baseDelayMs: number): number {
  const delay = baseDelayMs * 2 ** (attempt - 1);
  return Math.round(delay + Math.random() * delay * 0.5);
}

/**
 * A `JsonRpcProvider` that retries read-only requests (`READ_METHODS`) on transport failures, with exponential
 * backoff. A request batch holding any other method (`eth_sendRawTransaction`, `evm_*`, filters) is sent once.
 * @example const provider = new RetryingJsonRpcProvider("https://base.example", undefined, { staticNetwork: true });
 */
export class RetryingJsonRpcProvider extends JsonRpcProvider {
  readonly #retry: Required<Omit<RetryOptions, "onRetry">> & Pick<RetryOptions, "onRetry">;

  constructor(url: string, network?: Networkish, options?: JsonRpcApiProviderOptions, retry: RetryOptions = {}) {
    super(url, network, options);
    this.#retry = { retries: retry.retries ?? 4, baseDelayMs: retry.baseDelayMs ?? 200, onRetry: retry.onRetry };
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const requests = Array.isArray(payload) ? payload : [payload];
    const readOnly = requests.every((r) => READ_METHODS.has(r.method));
    for (let attempt = 0; ; attempt++) {
      try {
        return await super._send(payload);
      } catch (error) {
        if (!readOnly || attempt >= this.#retry.retries || !isTransientRpcError(error)) throw error;
        const delayMs = backoffDelay(attempt + 1, this.#retry.baseDelayMs);
        this.#retry.onRetry?.({ attempt: attempt + 1, delayMs, error });
        await sleep(delayMs);
      }
    }
  }
}
