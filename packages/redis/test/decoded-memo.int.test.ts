/**
 * A store reuses the item it decoded before when a read brings exactly the same bytes, and
 * decodes again whenever the bytes under the key changed (another process wrote them).
 */
import { msgpackSerializer, type CachedResponse, type Serializer } from '@axios-client-cache/core';
import { RedisCache } from '@axios-client-cache/redis';
import { makeResponse } from '@axios-client-cache/test-suite';
import { describeIf, REDIS_URL, uniqueName } from './helpers/env.js';

describeIf(REDIS_URL, 'REDIS_URL not set')('decoded entries', () => {
  const stores: RedisCache[] = [];
  const store = (options: ConstructorParameters<typeof RedisCache>[0]): RedisCache => {
    const s = new RedisCache({ url: REDIS_URL, timeoutMs: 2000, ...options });
    stores.push(s);
    return s;
  };
  afterEach(async () => {
    await stores[0]?.clear();
    for (const s of stores.splice(0)) await s.close();
  });

  it('are reused while the stored bytes stay the same, and never outlive a change by another writer', async () => {
    const cacheName = uniqueName('memo');
    const reader = store({ cacheName });
    const writer = store({ cacheName }); // its own connection, as another process would have
    await writer.write('k', makeResponse({ body: 'v1' }));
    const first = (await reader.read('k')) as CachedResponse;
    expect(first.text()).toBe('v1');
    expect(await reader.read('k')).toBe(first);

    await writer.write('k', makeResponse({ body: 'v2' }));
    const second = (await reader.read('k')) as CachedResponse;
    expect(second.text()).toBe('v2');
    expect(await reader.read('k')).toBe(second);

    await writer.delete('k');
    expect(await reader.read('k')).toBeUndefined();
  });

  it("are not kept with a serializer of the user's own (its loads may depend on more than the bytes)", async () => {
    let loads = 0;
    const counting: Serializer = {
      dumps: (value, context) => msgpackSerializer.dumps(value, context),
      loads: (bytes, context) => {
        loads++;
        return msgpackSerializer.loads(bytes, context);
      },
    };
    const s = store({ cacheName: uniqueName('memo-own'), serializer: counting });
    await s.write('k', makeResponse());
    const a = await s.read('k');
    const b = await s.read('k');
    expect(loads).toBe(2);
    expect(a).not.toBe(b);
  });
});
