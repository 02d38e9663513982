/**
 * The diagnostics channel on the hit path: a memory hit with nobody subscribed to
 * `axios-client-cache:request`, and with a subscriber counting outcomes (what an APM bridge
 * does), against the floor. The subscription is switched at slice boundaries (the first call
 * of a contender's slice), so contenders still run interleaved in one process.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import axios from 'axios';
import { attachCache, type RequestMessage } from '@axios-client-cache/core';
import { instantAdapter } from '../fixtures.js';
import { check, compare, rowsOf, type CaseResult } from '../harness.js';

const URLS = Array.from({ length: 64 }, (_, i) => `https://api.example.com/items/${i}`);
const CHANNEL = 'axios-client-cache:request';

export async function run(): Promise<CaseResult> {
  const adapter = instantAdapter();
  const floor = axios.create({ adapter });
  const ours = attachCache(axios.create({ adapter }), { expireAfter: '1h' });
  for (const url of URLS) await ours.get(url);
  const outcomes = new Map<string, number>();
  const listener = (message: unknown) => {
    const { outcome } = message as RequestMessage;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  };
  let subscribed = false;
  const want = (on: boolean) => {
    if (on === subscribed) return;
    if (on) subscribe(CHANNEL, listener);
    else unsubscribe(CHANNEL, listener);
    subscribed = on;
  };
  const stats = await compare({
    floor: (i) => {
      want(false);
      return floor.get(URLS[i & 63]!);
    },
    quiet: (i) => {
      want(false);
      return ours.get(URLS[i & 63]!);
    },
    subscribed: (i) => {
      want(true);
      return ours.get(URLS[i & 63]!);
    },
  });
  want(false);
  check(
    (outcomes.get('hit') ?? 0) > 0 && outcomes.size === 1,
    `the subscriber saw ${JSON.stringify([...outcomes])}, not only hits`,
  );
  const rows = rowsOf(
    stats,
    {
      floor: 'floor: axios, instant adapter, no cache',
      quiet: 'axios-client-cache memory hit, nobody subscribed to the channel',
      subscribed: 'axios-client-cache memory hit, a subscriber counting outcomes',
    },
    'floor',
    'ns',
    { floor: 'floor', quiet: 'hit, no subscriber', subscribed: 'hit, with a subscriber' },
  );
  const ns = (id: string) => stats[id]!.median;
  return {
    title: 'Diagnostics channel on the hit path',
    method:
      'ns per memory hit, sequential awaits, 64 URLs in turn; the channel subscription switched at slice boundaries; ' +
      'contenders interleaved round by round in one process.',
    rows,
    goals: [
      {
        goal: 'no cost when nobody subscribes (the hit path only reads hasSubscribers)',
        measured: `${(ns('quiet') / 1000).toFixed(2)} µs per hit`,
        met: null,
      },
      {
        goal: 'cost of a subscriber',
        measured: `+${((ns('subscribed') - ns('quiet')) / 1000).toFixed(2)} µs per hit`,
        met: null,
      },
    ],
    notes: [`The subscriber counted ${outcomes.get('hit') ?? 0} hits (and nothing else).`],
  };
}
