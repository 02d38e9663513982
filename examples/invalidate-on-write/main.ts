/**
 * Reads cached, writes invalidate: a POST to /todos that succeeds drops what is stored for
 * GET /todos (RFC 9111 §4.4), so the next read shows the new item without waiting for the
 * entry to expire. A view of the same data under another URL (/todos?done=false) is dropped
 * explicitly with deleteUrl.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';

const todos: Array<{ id: number; title: string; done: boolean }> = [{ id: 1, title: 'write docs', done: true }];
let reads = 0;
const origin = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      todos.push({ id: todos.length + 1, title: (JSON.parse(body) as { title: string }).title, done: false });
      res.statusCode = 201;
      res.end(JSON.stringify(todos.at(-1)));
    });
    return;
  }
  reads++;
  const url = new URL(req.url ?? '/', 'http://x');
  res.end(JSON.stringify(url.searchParams.get('done') === 'false' ? todos.filter((t) => !t.done) : todos));
});

async function main(): Promise<void> {
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  const api = attachCache(axios.create({ baseURL }), { expireAfter: '1h' });
  const stored = () =>
    new Promise<void>((resolve) => {
      const off = api.cache.on('stored', () => {
        off();
        resolve();
      });
    });

  const count = async (path: string) => {
    const write = stored();
    const res = await api.get<unknown[]>(path);
    if (!res.fromCache) await write;
    return `${path}: ${res.data.length} item(s), fromCache=${res.fromCache}`;
  };
  const lines = [await count('/todos'), await count('/todos'), await count('/todos?done=false')];

  await api.post('/todos', { title: 'ship it' }); // a successful write invalidates GET /todos
  await api.cache.deleteUrl(`${baseURL}/todos`, { params: { done: false } }); // another view of the same data

  lines.push(await count('/todos'), await count('/todos?done=false'), await count('/todos'));
  for (const line of lines) console.log(line);
  console.log(`origin reads: ${reads}`);
  const ok =
    lines[1]!.endsWith('true') &&
    lines[3] === '/todos: 2 item(s), fromCache=false' &&
    lines[4] === '/todos?done=false: 1 item(s), fromCache=false' &&
    lines[5]!.endsWith('true') &&
    reads === 4;
  if (!ok) process.exitCode = 1;
  origin.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  origin.close();
});
