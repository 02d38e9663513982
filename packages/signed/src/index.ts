export { CONTAINER_VERSION, SIGNED_ALGORITHMS, SignedSerializer, resolveSignedOptions } from './signed-serializer.js';
export type { SignedSerializerOptions } from './signed-serializer.js';
export { MIN_SECRET_BYTES } from './keys.js';
export type { KeyUse, SignedAlgorithm } from './keys.js';
