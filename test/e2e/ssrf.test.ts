// SSRF with the production setting: this worker runs WITHOUT ARBOR_ALLOW_PRIVATE_NETWORKS (every
// other e2e file has it, their remotes and receivers live on 127.0.0.1). An import from, or a
// webhook to, a loopback/private/link-local address in any spelling is refused with 400 before
// any request leaves, and nothing is created. A listener on 127.0.0.1 proves no request reached it.
import * as http from 'node:http';
import type * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, createRepo, NS, uniqueName, useArbor } from './harness';

useArbor({ vars: { ARBOR_ALLOW_PRIVATE_NETWORKS: '0' } });

let server: http.Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** The listener's address in every spelling a URL parser accepts for it, and its neighbours. */
const spellings = () => [
  `http://127.0.0.1:${port}/r.git`, `http://2130706433:${port}/r.git`, `http://0x7f000001:${port}/r.git`, `http://0177.0.0.1:${port}/r.git`,
  `http://127.1:${port}/r.git`, `http://0x7f.1:${port}/r.git`, `http://[::ffff:127.0.0.1]:${port}/r.git`, `http://[::1]:${port}/r.git`,
  `http://localhost:${port}/r.git`, `http://LOCALHOST.:${port}/r.git`, `http://git.localhost:${port}/r.git`, `http://0.0.0.0:${port}/r.git`,
  'http://169.254.169.254/latest/meta-data/', 'http://[fd00::1]/r.git', 'http://10.0.0.1/r.git', 'http://100.64.0.1/r.git',
  'http://192.168.0.1/r.git', 'http://172.16.5.4/r.git', 'http://[fe80::1]/r.git', 'http://metadata.google.internal/r.git',
];

describe('without ARBOR_ALLOW_PRIVATE_NETWORKS', () => {
  test('import refuses private destinations with 400, creates nothing, sends nothing', async () => {
    for (const url of spellings()) {
      const name = uniqueName('ssrf');
      const r = await api('POST', `/v1/repos/${NS}/${name}/import`, { body: { url, headers: { 'X-Secret': 'do-not-send' } } });
      expect(r.status, `${url}: ${r.text}`).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
      expect(r.json.error.message).toMatch(/requests to private networks are refused/);
      expect((await api('GET', `/v1/repos/${NS}/${name}`)).status).toBe(404);
    }
    expect(hits).toBe(0);
  });

  test('webhooks to private destinations are refused with 400', async () => {
    const repo = await createRepo('ssrf-hooks');
    for (const url of spellings()) {
      const r = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/webhooks`, { body: { url, secret: 's', events: ['ping'] } });
      expect(r.status, `${url}: ${r.text}`).toBe(400);
      expect(r.json.error.message).toMatch(/requests to private networks are refused/);
    }
    expect((await api('GET', `/v1/repos/${repo.namespace}/${repo.name}/webhooks`)).json.webhooks).toEqual([]);
    expect(hits).toBe(0);
  });
});
