import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import { encodeItem, FORMAT_VERSION, type SerializeContext } from '@axios-client-cache/core';
import { SignedSerializer } from '@axios-client-cache/signed';
import { derived, forgeSigned, headerFor } from './forge.js';
import { SECRET, SECRET_2, makeResponse } from './helpers.js';

/** What an attacker (or rot) does to the bytes of an entry at rest. */
export type Tamper = (bytes: Uint8Array, context: SerializeContext) => Uint8Array;

const other = new SignedSerializer({ secretKey: SECRET_2 });
const rotatedOut = new SignedSerializer({ secretKey: 'r'.repeat(32) });
const { kid } = derived(SECRET);

/**
 * Every way an entry can be bad, for a store whose serializer is
 * `new SignedSerializer({ secretKey: SECRET })` (and rotation list `[rotatedOut?, SECRET]`
 * never includes the rotated-out key). Each must be a miss, never content.
 */
export const TAMPER_CASES: ReadonlyArray<readonly [name: string, tamper: Tamper]> = [
  [
    'a flipped payload byte (bad signature)',
    (b) => {
      const c = Buffer.from(b);
      c[c.length - 1]! ^= 0x01;
      return c;
    },
  ],
  [
    'a flipped header byte',
    (b) => {
      const c = Buffer.from(b);
      c[12]! ^= 0x20;
      return c;
    },
  ],
  ['an entry signed with an unknown key (unknown kid)', (_b, ctx) => other.dumps(encodeItem(makeResponse()), ctx)],
  ['an entry signed with a key rotated out', (_b, ctx) => rotatedOut.dumps(encodeItem(makeResponse()), ctx)],
  ['truncated bytes', (b) => b.subarray(0, Math.floor(b.length / 2))],
  ['random bytes', (b) => randomBytes(b.length)],
  ['an unsigned MessagePack entry', () => new Packr({ useRecords: false }).pack(encodeItem(makeResponse()))],
  [
    'a valid entry of another cache key',
    (_b, ctx) =>
      new SignedSerializer({ secretKey: SECRET }).dumps(encodeItem(makeResponse()), {
        ...ctx,
        key: `${ctx.key}-other`,
      }),
  ],
  [
    'an expired entry replayed',
    (_b, ctx) =>
      new SignedSerializer({ secretKey: SECRET }).dumps(encodeItem(makeResponse()), {
        ...ctx,
        expiresAt: Date.now() - 1,
      }),
  ],
  [
    'an authentic payload of the wrong shape',
    (_b, ctx) =>
      new SignedSerializer({ secretKey: SECRET }).dumps({ t: 'response', v: FORMAT_VERSION, body: 'not bytes' }, ctx),
  ],
  [
    'an authentic structured-clone cycle',
    (_b, ctx) => {
      const a: Record<string, unknown> = { t: 'response' };
      a.self = a;
      return forgeSigned({ header: headerFor(kid, ctx.key), payload: new Packr({ structuredClone: true }).pack(a) });
    },
  ],
  [
    'authentic msgpackr records',
    (_b, ctx) =>
      forgeSigned({
        header: headerFor(kid, ctx.key),
        payload: new Packr({ useRecords: true }).pack(encodeItem(makeResponse())),
      }),
  ],
];
