/**
 * The origin server of the network cases: `node:http` on a loopback port, in its own process
 * so its work does not share the event loop of the client being timed.
 *
 * Every response is the bench's ~1 KiB JSON body. `ORIGIN_LATENCY_MS` delays each answer,
 * `ORIGIN_CACHE_CONTROL` sets its Cache-Control. Over IPC it sends `{ port }` once listening,
 * and answers `'count'` with `{ count }`: the requests it has seen since the last `'count'`.
 */
import { createServer } from 'node:http';
import { BODY_JSON } from './fixtures.js';

const latency = Number(process.env.ORIGIN_LATENCY_MS ?? 0);
const cacheControl = process.env.ORIGIN_CACHE_CONTROL ?? 'max-age=3600';
const body = Buffer.from(BODY_JSON);
let count = 0;

const server = createServer((req, res) => {
  count++;
  const answer = () => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': cacheControl,
      date: new Date().toUTCString(),
    });
    res.end(body);
  };
  req.resume();
  req.on('end', () => (latency > 0 ? setTimeout(answer, latency) : answer()));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('origin: no port');
  process.send?.({ port: address.port });
});
process.on('message', (message) => {
  if (message === 'count') {
    process.send?.({ count });
    count = 0;
  }
});
process.on('disconnect', () => server.close(() => process.exit(0)));
