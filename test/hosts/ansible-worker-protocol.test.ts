/**
 * The controller's Ansible worker as a process that speaks the gate's framing, without
 * Ansible: one reply per request whatever the handler does (raises, prints, writes to
 * file descriptor 1, starts a child that does, reads stdin), requests answered
 * concurrently, and a clear error naming ansible-core when the Python cannot import it.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { packageRoot } from '../../src/base/paths.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { AnsibleWorker } from '../../src/hosts/ansible-worker.js';
import { automation } from '../../src/run/automation.js';

const PYTHON = '/usr/bin/python3';

/** The worker's own loop, with test handlers in front of the real ones. */
const HARNESS = `
import os, subprocess, sys, time
sys.path.insert(0, ${JSON.stringify(join(packageRoot(), 'python'))})
from ftl_ansible import handlers, server
real = handlers.handle
def handle(msg_type, data, req):
    if msg_type == "Boom":
        raise RuntimeError("boom: " + str(data.get("x")))
    if msg_type == "Exit":
        sys.exit(3)
    if msg_type == "Noisy":
        print("noise from print")
        os.write(1, b"noise on fd 1\\n")
        subprocess.run(["echo", "noise from a child"])
        return "NoisyDone", {"stdin": os.read(0, 100).decode()}
    if msg_type == "Slow":
        time.sleep(data["s"])
        return "SlowDone", {"s": data["s"]}
    return real(msg_type, data, req)
handlers.handle = handle
sys.exit(server.main())
`;

describe("the Ansible worker's loop (no Ansible needed)", () => {
  let dir: string;
  let s: GateClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-worker-proto-'));
    writeFileSync(join(dir, 'harness.py'), HARNESS);
    s = await GateClient.open(spawnLocalGate(join(dir, 'harness.py'), { python: PYTHON }), { host: 'controller' });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says hello with its handlers', () => {
    assert.equal(s.hello.worker, 'ftl_ansible');
    const handlers = s.hello.handlers as string[];
    for (const h of ['Config', 'ConnectionVars', 'DiscoverInterpreter', 'LoadInventory', 'RenderTemplate', 'SetInventory', 'Template']) assert.ok(handlers.includes(h), `${h} in ${handlers.join(', ')}`);
    assert.deepEqual(handlers, [...handlers].sort());
  });

  it('answers a handler that raises with an Error, and keeps answering', async () => {
    const r = await s.request('Boom', { x: 1 });
    assert.equal(r.type, 'Error');
    assert.equal(r.data.message, 'RuntimeError: boom: 1');
    const exit = await s.request('Exit', {});
    assert.equal(exit.type, 'Error', 'even SystemExit from a handler is a reply');
    assert.equal((await s.request('Nope', {})).data.message, 'Unknown message type: Nope');
    assert.match(String((await s.request('Template', [] as unknown as Record<string, unknown>)).data.message), /Template data must be an object/);
  });

  it('keeps its replies clean of what handlers and their children print, and of stdin', async () => {
    const r = await s.request('Noisy', {});
    assert.equal(r.type, 'NoisyDone');
    assert.equal(r.data.stdin, '', 'stdin is /dev/null to handlers: frames are not theirs to read');
    assert.equal((await s.request('Boom', { x: 2 })).data.message, 'RuntimeError: boom: 2', 'the stream is intact after the noise');
  });

  it('answers requests concurrently: a quick one is not held behind a slow one', async () => {
    const order: string[] = [];
    const slow = s.request('Slow', { s: 1.5 }).then((r) => order.push(r.type));
    const quick = s.request('Slow', { s: 0 }).then((r) => order.push(`${r.type} quick`));
    await Promise.all([slow, quick]);
    assert.deepEqual(order, ['SlowDone quick', 'SlowDone']);
  });
});

describe('without ansible-core on the controller', () => {
  let dir: string;
  let noAnsible: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-worker-noansible-'));
    // A Python without its site packages: the standard library only, as on a bare controller.
    noAnsible = join(dir, 'python3');
    writeFileSync(noAnsible, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    chmodSync(noAnsible, 0o755);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('templating fails with an error that names ansible-core and how to install it', async () => {
    const w = new AnsibleWorker({ python: noAnsible });
    try {
      const scope = {
        inventory: { version: () => 1, snapshot: () => ({ hosts: {}, groups: { all: [] }, allVars: {}, sources: [] }) },
        hosts: ['localhost'],
        factsOf: (h: string) => ({ key: h, facts: undefined }),
        check: false,
        diff: false,
      };
      const e = await w.template(scope, '{{ 1 }}').then(
        () => assert.fail('no error'),
        (err: unknown) => err,
      );
      assert.ok(e instanceof FtlError);
      assert.equal(e.code, 'FTL_NO_ANSIBLE');
      assert.match(e.message, /templating with \{\{ \}\} needs ansible-core on the controller/);
      assert.match(e.oneLine(), /apt-get install ansible-core/);
    } finally {
      await w.close();
    }
  });

  it('a template call says what to install, and native modules still run', async () => {
    const saved = process.env.FTL_PYTHON;
    process.env.FTL_PYTHON = noAnsible;
    try {
      // This controller's Python has no Ansible at all: the module index has no template either.
      const bare = await automation();
      try {
        const e = await bare.run('localhost', 'template', { src: join(dir, 't.j2'), dest: join(dir, 'out') }).then(
          () => assert.fail('template ran'),
          (err: unknown) => err,
        );
        assert.ok(e instanceof FtlError);
        assert.match(e.oneLine(), /no module 'template'.*apt-get install ansible-core/);
        const c = await bare.run('localhost', 'command', { cmd: 'echo native' });
        assert.equal(c.host('localhost')?.stdout, 'native');
      } finally {
        await bare.close();
      }
    } finally {
      if (saved === undefined) delete process.env.FTL_PYTHON;
      else process.env.FTL_PYTHON = saved;
    }
  });

  it('when the worker cannot import ansible-core, each host of a template call fails saying so', async () => {
    const saved = process.env.FTL_PYTHON;
    const ftl = await automation();
    // The module index was read with ansible-core; the worker starts later, with a Python without it.
    process.env.FTL_PYTHON = noAnsible;
    try {
      writeFileSync(join(dir, 't.j2'), 'x={{ 1 }}\n');
      const r = await ftl.run('localhost', 'template', { src: join(dir, 't.j2'), dest: join(dir, 'out') });
      assert.equal(r.failed.length, 1);
      assert.match(String(r.host('localhost')?.msg), /needs ansible-core on the controller.*apt-get install ansible-core/);
    } finally {
      await ftl.close();
      if (saved === undefined) delete process.env.FTL_PYTHON;
      else process.env.FTL_PYTHON = saved;
    }
  });
});
