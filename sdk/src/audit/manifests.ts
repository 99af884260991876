/**
 * Fetching the epoch manifests the chain points to: by the URI a commit recorded (`file://`, `http://`, `https://`, or
 * a plain path), or from local copies (a directory of manifest files, matched by the keccak256 of their text, which is
 * what the commit names), for URIs an auditor cannot reach (`ipfs://` without a gateway, private hosts).
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { keccak256, toUtf8Bytes } from "ethers";

/** A manifest's text and where it came from; `error` when it could not be read. */
export interface FetchedManifest {
  uri: string;
  text?: string;
  /** keccak256 of `text`. */
  hash?: string;
  error?: string;
}

/** Local manifest copies by the keccak256 of their text. */
export type ManifestLibrary = ReadonlyMap<string, { path: string; text: string }>;

/** Reads every file of `dir` (and `dir` itself if it is a file) as a candidate manifest, keyed by its hash. */
export async function loadManifestLibrary(paths: readonly string[]): Promise<ManifestLibrary> {
  const out = new Map<string, { path: string; text: string }>();
  for (const path of paths) {
    const files = (await stat(path)).isDirectory()
      ? (await readdir(path)).filter((f) => f.endsWith(".json")).map((f) => join(path, f))
      : [path];
    for (const file of files) {
      const text = await readFile(file, "utf8");
      out.set(keccak256(toUtf8Bytes(text)), { path: file, text });
    }
  }
  return out;
}

/**
 * Reads the manifest a commit points to: `file://` and plain paths from the file system, `http(s)://` with fetch
 * (30 s timeout, status 200 only). Other schemes are reported as unreachable, for a local copy to stand in.
 */
export async function fetchManifest(uri: string, timeoutMs = 30_000): Promise<FetchedManifest> {
  try {
    let text: string;
    if (uri.startsWith("file://")) text = await readFile(fileURLToPath(uri), "utf8");
    else if (/^https?:\/\//.test(uri)) {
      const response = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
      if (response.status !== 200) return { uri, error: `HTTP ${response.status}` };
      text = await response.text();
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
      return { uri, error: `cannot fetch a ${uri.split(":")[0]}:// URI (give a local copy with --manifests)` };
    } else text = await readFile(uri, "utf8");
    return { uri, text, hash: keccak256(toUtf8Bytes(text)) };
  } catch (error) {
    return { uri, error: (error as Error).message };
  }
}
