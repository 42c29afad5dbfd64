import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ftl from '../../src/index.js';

// The library's public surface, name by name: a change here is a change for every script
// that imports 'ftl', so it must be deliberate (update this list in the same commit).
const VALUES = ['ERROR_CODES', 'FtlError', 'PolicyError', 'RunResult', 'automation', 'describeError', 'isFtlError'];
const TYPES = ['AddHostOptions', 'AutomationOptions', 'CallOptions', 'ConfirmFn', 'ConfirmPolicy', 'ConfirmRequest', 'ErrorCode', 'EventsDroppedEvent', 'EventsOptions', 'FileChangedEvent', 'Ftl', 'FtlEvent', 'FtlMembers', 'GateInfo', 'GateReport', 'Gates', 'HostResult', 'HostStatus', 'MetricsOptions', 'ModuleArgs', 'ModuleCall', 'ReplayReport', 'RolloutOptions', 'RunProgress', 'Secret', 'SecretBindings', 'Secrets', 'StreamEndedEvent', 'StreamHandle', 'StreamResumedEvent', 'SystemMetricsEvent', 'Target', 'WatchOptions'];

describe("the library's export surface", () => {
  it('exports these values and nothing else', () => {
    assert.deepEqual(Object.keys(ftl).sort(), VALUES);
  });

  it('exports these types and nothing else', () => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'index.ts'), 'utf8');
    const names = [...text.matchAll(/export type \{([^}]+)\}/g)].flatMap((m) => (m[1] ?? '').split(',').map((n) => n.trim())).filter((n) => n !== '');
    assert.deepEqual(names.sort(), TYPES);
  });
});
