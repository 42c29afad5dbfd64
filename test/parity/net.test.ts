// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Step } from '../helpers/compare.js';
import { withParityLab } from './lab.js';

const FILE = 'fetched with get_url\n';

/** A small HTTP server the lab host reaches: a file, JSON, a POST echo, a 404 and a redirect. */
async function httpServer(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/file.txt') send(200, 'text/plain', FILE);
      else if (req.url === '/data.json') send(200, 'application/json', JSON.stringify({ name: 'ftl', n: [1, 2] }));
      else if (req.url === '/echo' && req.method === 'POST') send(201, 'application/json', JSON.stringify({ got: JSON.parse(body) as unknown }));
      else if (req.url === '/moved') {
        res.writeHead(302, { Location: '/data.json', 'Content-Length': 0 });
        res.end();
      } else send(404, 'text/plain', 'not here\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}` };
}

// Ansible and ftl reach the server at different moments: the clock and the connection differ.
const HTTP = { volatile: ['elapsed', 'date', 'keep_alive', 'connection'] };
// get_url downloads to a temp file first (src): a random name on both sides.
const GET_URL = { volatile: [...HTTP.volatile, 'src'] };

test('parity on a lab host over SSH: get_url and uri against a local HTTP server', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-parity-net-'));
  const { server, base } = await httpServer();
  const w = join(dir, 'w');
  const reset = (): void => {
    rmSync(w, { recursive: true, force: true });
    mkdirSync(w);
  };
  try {
    await withParityLab(async (p) => {
      await t.test('get_url: download, idempotent, checksum, check mode, 404', async () => {
        const dest = join(w, 'file.txt');
        const sum = `sha256:${createHash('sha256').update(FILE).digest('hex')}`;
        const steps: Step[] = [
          { label: 'check mode', module: 'get_url', args: { url: `${base}/file.txt`, dest }, check: true, normalise: GET_URL },
          { label: 'download', module: 'get_url', args: { url: `${base}/file.txt`, dest, mode: '0640' }, normalise: GET_URL },
          { label: 'again: no change', module: 'get_url', args: { url: `${base}/file.txt`, dest, mode: '0640' }, normalise: GET_URL },
          { label: 'with a checksum', module: 'get_url', args: { url: `${base}/file.txt`, dest: join(w, 'sum.txt'), checksum: sum }, normalise: GET_URL },
          { label: '404', module: 'get_url', args: { url: `${base}/missing`, dest: join(w, 'nope') }, normalise: GET_URL },
        ];
        await p.compare(steps, reset);
        assert.equal(readFileSync(dest, 'utf8'), FILE);
      });

      await t.test('uri: GET JSON, POST JSON with status_code, 404, redirect', async () => {
        const steps: Step[] = [
          { label: 'GET JSON', module: 'uri', args: { url: `${base}/data.json`, return_content: true }, normalise: HTTP },
          { label: 'POST JSON, 201 expected', module: 'uri', args: { url: `${base}/echo`, method: 'POST', body_format: 'json', body: { a: 1 }, status_code: 201, return_content: true }, normalise: HTTP },
          { label: '404 fails', module: 'uri', args: { url: `${base}/missing` }, normalise: HTTP },
          { label: '404 accepted', module: 'uri', args: { url: `${base}/missing`, status_code: [404] }, normalise: HTTP },
          { label: 'redirect followed', module: 'uri', args: { url: `${base}/moved` }, normalise: HTTP },
          { label: 'creates skips', module: 'uri', args: { url: `${base}/data.json`, creates: w }, normalise: HTTP },
        ];
        await p.compare(steps, reset);
      });
    });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
