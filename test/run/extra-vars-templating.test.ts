import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { automation } from '../../src/run/automation.js';

describe('-e in templated args', () => {
  it("{{ }} in a call's args sees -e over the call's own vars, as Ansible's extra vars", async () => {
    const ftl = await automation({ extraVars: { port: 'from-e' } });
    try {
      const r = await ftl.run('localhost', 'command', { cmd: 'echo {{ port }} {{ other }}' }, { vars: { port: 'from-call', other: 'call-only' } });
      assert.equal(r.host('localhost')?.stdout, 'from-e call-only', JSON.stringify(r.host('localhost')));
    } finally {
      await ftl.close();
    }
  });
});
