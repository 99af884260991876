#!/usr/bin/env node
// The `depin` command: runs the TypeScript CLI (sdk/src/cli/main.ts) through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
