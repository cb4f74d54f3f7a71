import { describe, expect, it } from 'vitest';
import { ensembleFingerprint } from './informers.js';

describe('ensembleFingerprint', () => {
  const cr = {
    metadata: { name: 'zk', namespace: 'ns', uid: 'u', generation: 2, finalizers: ['f'] },
    status: { members: [{ pod: 'zk-0', zxid: '0x100000001' }] },
  };

  it("ignores the operator's own status writes", () => {
    const newer = {
      ...cr,
      metadata: { ...cr.metadata, resourceVersion: '99' },
      status: { members: [{ pod: 'zk-0', zxid: '0x100000002' }] },
    };
    expect(ensembleFingerprint(newer)).toBe(ensembleFingerprint(cr));
  });

  it('changes with the spec (generation), deletion and finalizers', () => {
    const base = ensembleFingerprint(cr);
    expect(ensembleFingerprint({ ...cr, metadata: { ...cr.metadata, generation: 3 } })).not.toBe(
      base,
    );
    expect(
      ensembleFingerprint({
        ...cr,
        metadata: { ...cr.metadata, deletionTimestamp: new Date(0) },
      }),
    ).not.toBe(base);
    expect(ensembleFingerprint({ ...cr, metadata: { ...cr.metadata, finalizers: [] } })).not.toBe(
      base,
    );
  });
});
