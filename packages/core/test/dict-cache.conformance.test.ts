import { CacheBackend, DictCache, msgpackSerializer } from '@axios-client-cache/core';
import { describeStoreConformance } from '@axios-client-cache/test-suite';

describeStoreConformance('DictCache', {
  create: ({ clock }) => new DictCache({ clock }),
  createBackend: ({ clock }) => new CacheBackend({ clock }),
  capabilities: { closeBehaviour: 'throws' },
});

describeStoreConformance('DictCache with a serializer (keeps bytes)', {
  create: ({ clock }) => new DictCache({ clock, serializer: msgpackSerializer }),
  createBackend: ({ clock }) => new CacheBackend({ clock, serializer: msgpackSerializer }),
  capabilities: { closeBehaviour: 'throws' },
});
