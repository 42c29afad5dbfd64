import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Warning } from '../../src/base/warnings.js';
import { hostFacts, parseSshArgs, shellWords } from '../../src/inventory/facts.js';
import { parseSshG, type SshConfigEntry } from '../../src/ssh/config.js';
import { expandProxyCommand } from '../../src/ssh/proxy-command.js';
import { sshArgsIgnored } from '../../src/ssh/ssh-args.js';
import { resolveTarget, targetKey, type ResolveOptions } from '../../src/ssh/target.js';

test('ssh arguments split as Ansible splits them (shlex), -o options first-wins, flags kept', () => {
  assert.deepEqual(shellWords(`-o ProxyCommand="ssh -W %h:%p -q me@gw" -o 'User x' a\\ b "q\\"uote"`), ['-o', 'ProxyCommand=ssh -W %h:%p -q me@gw', '-o', 'User x', 'a b', 'q"uote']);
  const p = parseSshArgs(`-o ConnectTimeout=3 -oConnectTimeout=9 -J a,b -C -A -L 8080:x:80 -o 'ForwardAgent yes' -4v`);
  assert.deepEqual(p.options, { connecttimeout: '3', proxyjump: 'a,b', forwardagent: 'yes' });
  assert.deepEqual(p.flags, ['-C', '-A', '-L 8080:x:80', '-4', '-v']);

  const f = hostFacts('h', { ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p gw" -o StrictHostKeyChecking=accept-new`, ansible_ssh_extra_args: '-o ConnectTimeout=4 -A' });
  assert.equal(f.proxyCommand, 'ssh -W %h:%p gw');
  assert.deepEqual(f.proxyJump, []);
  assert.equal(f.strictHostKeyChecking, 'accept-new');
  assert.equal(f.connectTimeoutS, 4);
  assert.equal(hostFacts('h', { ansible_timeout: 7, ansible_ssh_extra_args: '-o ConnectTimeout=4' }).connectTimeoutS, 7, "Ansible's timeout goes before the inventory's args: it wins");
  assert.equal(hostFacts('h', { ansible_ssh_timeout: '2', ansible_timeout: 7 }).connectTimeoutS, 2);
  // ProxyJump and ProxyCommand: the first given wins, as in ssh.
  const both = hostFacts('h', { ansible_ssh_common_args: '-J hop -o ProxyCommand="nc %h %p"' });
  assert.deepEqual([both.proxyJump, both.proxyCommand], [['hop'], undefined]);
  assert.deepEqual(sshArgsIgnored(hostFacts('h', { ansible_ssh_common_args: '-C -o ControlMaster=auto -o ControlPersist=60s -o ForwardAgent=yes -i /k -o ServerAliveInterval=30' })), ['-o forwardagent=yes', '-i /k']);
});

test('ssh -G: ProxyCommand, ConnectTimeout, IdentitiesOnly, IdentityAgent, HashKnownHosts, and what ftl cannot honour', () => {
  const g = parseSshG(
    ['hostname h', 'proxycommand ssh -W %h:%p bastion', 'connecttimeout 7', 'identitiesonly yes', 'identityagent /run/agent.sock', 'hashknownhosts yes', 'certificatefile ~/.ssh/id_cert', 'proxyusefdpass no', 'controlmaster auto', 'forwardagent no', 'addressfamily inet'].join('\n'),
  );
  assert.equal(g.proxyCommand, 'ssh -W %h:%p bastion');
  assert.equal(g.connectTimeoutS, 7);
  assert.equal(g.identitiesOnly, true);
  assert.equal(g.identityAgent, '/run/agent.sock');
  assert.equal(g.hashKnownHosts, true);
  assert.deepEqual(g.unsupported, ['CertificateFile ~/.ssh/id_cert', 'AddressFamily inet']);
  const d = parseSshG(['proxycommand none', 'connecttimeout none', 'hashknownhosts no', 'identitiesonly no'].join('\n'));
  assert.deepEqual([d.proxyCommand, d.connectTimeoutS, d.hashKnownHosts, d.identitiesOnly, d.unsupported], [undefined, undefined, false, false, []]);
});

test('ProxyCommand tokens: %h %n %p %r %%, and an unknown one is an error as in ssh', () => {
  const t = { host: '10.0.0.5', original: 'web01', port: 2200, user: 'deploy' };
  assert.equal(expandProxyCommand('ssh -W %h:%p %r@gw # %n 100%%', t), 'ssh -W 10.0.0.5:2200 deploy@gw # web01 100%');
  assert.throws(() => expandProxyCommand('nc %h %C', t), /the token %C, which ssh does not expand there/);
  assert.throws(() => expandProxyCommand('nc %h %', t), /a lone % at its end/);
});

function config(over: Partial<SshConfigEntry> = {}): SshConfigEntry {
  return { ...parseSshG(''), ...over };
}

function options(over: Partial<ResolveOptions> & { cfg?: SshConfigEntry } = {}): ResolveOptions & { said: Warning[] } {
  const said: Warning[] = [];
  const cfg = over.cfg;
  return {
    lookup: () => Promise.resolve(cfg),
    resolveFacts: () => undefined,
    acceptNew: false,
    noHostKeyCheck: false,
    agentSocket: '/agent.sock',
    warn: (w) => said.push(w),
    said,
    ...over,
  };
}

test('where and how to connect: the inventory beats ~/.ssh/config; IdentityAgent none leaves the agent out, IdentitiesOnly narrows it', async () => {
  const base = hostFacts('web01', { ansible_host: '10.0.0.5', ansible_user: 'deploy' });
  const viaCfg = await resolveTarget(base, options({ cfg: config({ proxyCommand: 'nc %h %p', connectTimeoutS: 7 }) }));
  assert.equal(viaCfg.proxyCommand, 'nc 10.0.0.5 22');
  assert.equal(viaCfg.connectTimeoutMs, 7000);
  assert.equal(viaCfg.agentSocket, '/agent.sock');
  const none = await resolveTarget(hostFacts('web01', { ansible_host: '10.0.0.5', ansible_timeout: 3, ansible_ssh_common_args: '-o ProxyCommand=none' }), options({ cfg: config({ proxyCommand: 'nc %h %p', proxyJump: ['gw'], connectTimeoutS: 7 }) }));
  assert.deepEqual([none.proxyCommand, none.jumps.length, none.connectTimeoutMs], [undefined, 0, 3000], 'ProxyCommand=none turns the configured way off');
  assert.equal((await resolveTarget(base, options())).connectTimeoutMs, 10_000, "Ansible's default timeout");
  const only = await resolveTarget(base, options({ cfg: config({ identitiesOnly: true }) }));
  assert.deepEqual([only.agentSocket, only.identitiesOnly], ['/agent.sock', true], 'IdentitiesOnly keeps the agent for the identity files\' keys');
  assert.equal(viaCfg.identitiesOnly, false);
  assert.notEqual(targetKey(only), targetKey(await resolveTarget(base, options())), 'IdentitiesOnly authenticates differently: its own connections');
  assert.equal((await resolveTarget(base, options({ cfg: config({ identityAgent: 'none' }) }))).agentSocket, undefined);
  assert.equal((await resolveTarget(base, options({ cfg: config({ identityAgent: '~/a.sock' }) }))).agentSocket, `${process.env.HOME ?? ''}/a.sock`);
  assert.equal((await resolveTarget(hostFacts('w', { ansible_ssh_common_args: '-o IdentitiesOnly=yes' }), options())).identitiesOnly, true);
  assert.equal((await resolveTarget(hostFacts('w', { ansible_ssh_common_args: '-o HashKnownHosts=yes' }), options())).hashKnownHosts, true);

  const o = options({ cfg: config({ unsupported: ['CertificateFile ~/c'] }) });
  await resolveTarget(base, o);
  await resolveTarget(hostFacts('web02', {}), o);
  assert.equal(o.said.length, 2, 'each host says it; the warning key makes the session say it once');
  assert.match(o.said[0]?.message ?? '', /ftl does not honour CertificateFile ~\/c from the ssh configuration/);
});

test('the pool key: the same entry shares, anything that authenticates differently does not; the password is not in it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-target-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const key = join(dir, 'id');
  writeFileSync(key, 'x');
  const vars = { ansible_host: '10.0.0.5', ansible_port: 2222, ansible_user: 'deploy', ansible_ssh_private_key_file: key };
  const o = options();
  const keyOf = async (v: Record<string, unknown>, over: Partial<ResolveOptions> = {}): Promise<string> => targetKey(await resolveTarget(hostFacts('web01', { ...vars, ...v }), { ...o, ...over }));
  const first = await keyOf({});
  assert.equal(await keyOf({}), first);
  const missing = await keyOf({ ansible_ssh_private_key_file: join(dir, 'nope') });
  const others = [
    missing,
    await keyOf({ ansible_password: 'hunter2' }),
    await keyOf({ ansible_password: 'other' }),
    await keyOf({}, { agentSocket: '/other.sock' }),
    await keyOf({ ansible_ssh_common_args: '-o ProxyCommand="nc %h %p"' }),
    await keyOf({ ansible_ssh_common_args: '-J gw' }),
    await keyOf({ ansible_host_key_checking: false }),
    await keyOf({ ansible_user: 'root' }),
  ];
  assert.equal(new Set([first, ...others]).size, others.length + 1, 'all different');
  assert.ok(!others.some((k) => k.includes('hunter2')), 'never the password itself');
  assert.match(missing, /nope/);
  assert.match(o.said.map((w) => w.message).join('\n'), /the key file .*nope \(ansible_ssh_private_key_file\) does not exist; offering ssh-agent instead/);
});

test("ProxyJump chains as ssh -J follows them: the first hop's own ProxyJump comes before it, a later hop's is not followed", async () => {
  const cfgs: Record<string, Partial<SshConfigEntry>> = {
    web: { proxyJump: ['inner', 'edge'] },
    inner: { proxyJump: ['outer'] },
    outer: { proxyJump: ['corp'] },
    edge: { proxyJump: ['never'] },
    loop1: { proxyJump: ['loop2'] },
    loop2: { proxyJump: ['loop1'] },
  };
  const o: ResolveOptions = { ...options(), lookup: (host) => Promise.resolve(config(cfgs[host] ?? {})) };
  const t = await resolveTarget(hostFacts('web', {}), o);
  assert.deepEqual(
    t.jumps.map((j) => j.name),
    ['corp', 'outer', 'inner', 'edge'],
  );
  assert.ok(
    t.jumps.every((j) => j.jumps.length === 0),
    'one flat chain',
  );
  // The same chain from the inventory: an inventory host as the first hop brings its own jumps.
  const inv: Record<string, ReturnType<typeof hostFacts>> = { bastion: hostFacts('bastion', { ansible_host: '10.0.0.1', ansible_ssh_common_args: '-J gw0' }) };
  const fromInv = await resolveTarget(hostFacts('db', { ansible_ssh_common_args: '-J bastion,edge' }), { ...o, resolveFacts: (n) => inv[n] });
  assert.deepEqual(
    fromInv.jumps.map((j) => `${j.name}@${j.host}`),
    ['gw0@gw0', 'bastion@10.0.0.1', 'edge@edge'],
  );
  await assert.rejects(resolveTarget(hostFacts('x', { ansible_ssh_common_args: '-J loop1' }), o), /the ProxyJump chain is deeper than 8 hops \(a loop\?\)/);
});
