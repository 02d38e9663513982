export { describeStoreConformance, testIf } from './conformance.js';
export type { ConformanceBackend, StoreCapabilities, StoreConformanceOptions, StoreContext } from './conformance.js';
export { allByteValues, collect, makeResponse, ManualClock, randomBody, sameBytes, sleep } from './fixtures.js';
export type { ResponseChanges } from './fixtures.js';
