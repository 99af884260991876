export * from "./build.js";
export * from "./metrics.js";
export * from "./service.js";
export * from "./store.js";
export * from "./quorum.js";
