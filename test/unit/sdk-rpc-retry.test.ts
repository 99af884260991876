import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";

import { RetryingJsonRpcProvider, isTransientRpcError } from "../../sdk/src/index.js";

/**
 * A JSON-RPC endpoint that fails the first `failures` requests (dropping the connection, or answering HTTP 503),
 * then answers every method with a fixed result; it records the methods it was asked.
 */
async function flakyEndpoint(failures: number, how: "drop" | "503") {
  const methods: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const request = JSON.parse(body) as { id: number; method: string };
      methods.push(request.method);
      if (methods.length <= failures) {
        if (how === "drop") req.socket.destroy();
        else res.writeHead(503).end("busy");
        return;
      }
      const result = request.method === "eth_chainId" ? "0x7a69" : "0x2a";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: request.id, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, methods, close: () => new Promise((resolve) => server.close(resolve)) };
}

function providerAt(url: string, retries = 4) {
  return new RetryingJsonRpcProvider(
    url,
    31337,
    { staticNetwork: true, batchMaxCount: 1 },
    { retries, baseDelayMs: 5 },
  );
}

describe("RetryingJsonRpcProvider", function () {
  it("retries a read after dropped connections and answers", async function () {
    const endpoint = await flakyEndpoint(2, "drop");
    const provider = providerAt(endpoint.url);
    try {
      expect(await provider.getBlockNumber()).to.equal(42);
      expect(endpoint.methods).to.deep.equal(["eth_blockNumber", "eth_blockNumber", "eth_blockNumber"]);
    } finally {
      provider.destroy();
      await endpoint.close();
    }
  });

  it("retries a read after HTTP 503, and gives up after its retries", async function () {
    const endpoint = await flakyEndpoint(10, "503");
    const provider = providerAt(endpoint.url, 2);
    try {
      const error = await provider.send("eth_blockNumber", []).then(
        () => expect.fail("expected a failure"),
        (e: unknown) => e,
      );
      expect(isTransientRpcError(error)).to.equal(true);
      expect(endpoint.methods).to.have.length(3);
    } finally {
      provider.destroy();
      await endpoint.close();
    }
  });

  it("never resends a transaction whose request failed", async function () {
    const endpoint = await flakyEndpoint(1, "drop");
    const provider = providerAt(endpoint.url);
    try {
      const error = await provider.send("eth_sendRawTransaction", ["0x02"]).then(
        () => expect.fail("expected a failure"),
        (e: unknown) => e,
      );
      expect(isTransientRpcError(error)).to.equal(true);
      expect(endpoint.methods).to.deep.equal(["eth_sendRawTransaction"]);
    } finally {
      provider.destroy();
      await endpoint.close();
    }
  });

  it("tells transport failures from answers", function () {
    expect(isTransientRpcError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).to.equal(true);
    expect(isTransientRpcError(new Error("execution reverted"))).to.equal(false);
    expect(isTransientRpcError({ code: "CALL_EXCEPTION", data: "0x" })).to.equal(false);
  });
});
