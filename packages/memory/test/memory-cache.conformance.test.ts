import { msgpackSerializer } from '@axios-client-cache/core';
import { MemoryBackend, MemoryCache } from '@axios-client-cache/memory';
import { describeStoreConformance } from '@axios-client-cache/test-suite';

const maxEntryBytes = 8 * 1024 * 1024;

describeStoreConformance('MemoryCache', {
  create: ({ clock }) => new MemoryCache({ clock, maxEntryBytes, maxBytes: 64 * 1024 * 1024 }),
  createBackend: ({ clock }) => new MemoryBackend({ clock }),
  capabilities: { closeBehaviour: 'throws', maxBodyBytes: maxEntryBytes - 64 * 1024 },
});

describeStoreConformance('MemoryCache with a serializer (keeps bytes)', {
  create: ({ clock }) => new MemoryCache({ clock, maxEntryBytes, serializer: msgpackSerializer }),
  createBackend: ({ clock }) => new MemoryBackend({ clock, serializer: msgpackSerializer }),
  capabilities: { closeBehaviour: 'throws', maxBodyBytes: maxEntryBytes - 64 * 1024 },
});
