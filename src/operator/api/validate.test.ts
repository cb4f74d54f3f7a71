import { describe, expect, it } from 'vitest';
import { resolveSpec } from './defaults.js';
import { MESSAGES, parseQuantity, validateSpec, validateUpdate } from './validate.js';
import type { ZooKeeperEnsembleSpec } from './types.js';

const check = (spec: ZooKeeperEnsembleSpec) => validateSpec(resolveSpec({ spec }));

describe('validateSpec mirrors the CRD rules', () => {
  it('accepts the defaults', () => {
    expect(check({})).toEqual([]);
  });
  it.each([
    [{ replicas: 0 }, MESSAGES.replicas],
    [{ replicas: 10 }, MESSAGES.replicas],
    [{ config: { additional: { dataDir: '/x' } } }, MESSAGES.ownedKeys],
    [{ config: { additional: { 'server.4': 'h:1:2' } } }, MESSAGES.ownedKeys],
    [{ config: { additional: { 'metricsProvider.httpPort': '1' } } }, MESSAGES.ownedKeys],
    [{ config: { additional: { 'a b': '1' } } }, MESSAGES.additionalSyntax],
    [{ config: { additional: { x: '1\nserver.9=evil:1:2' } } }, MESSAGES.additionalSyntax],
    [{ ports: { quorum: 2181 } }, MESSAGES.portsDistinct],
    [{ ports: { admin: 70000 } }, MESSAGES.portRange],
    [{ storage: { size: 'lots' } }, MESSAGES.storageSize],
    [{ config: { minSessionTimeout: 9000, maxSessionTimeout: 4000 } }, MESSAGES.sessionTimeouts],
  ] as [ZooKeeperEnsembleSpec, string][])('refuses %j', (spec, message) => {
    expect(check(spec)).toContain(message);
  });
  it('allows keys the operator does not own', () => {
    expect(check({ config: { additional: { 'snapshot.compression.method': 'gz' } } })).toEqual([]);
  });
});

describe('validateUpdate', () => {
  it('storage class is immutable, also set/unset', () => {
    expect(
      validateUpdate(
        { storage: { storageClassName: 'a' } },
        { storage: { storageClassName: 'b' } },
      ),
    ).toEqual([MESSAGES.storageClassImmutable]);
    expect(validateUpdate({}, { storage: { storageClassName: 'b' } })).toEqual([
      MESSAGES.storageClassImmutable,
    ]);
  });
  it('size may grow, not shrink', () => {
    expect(validateUpdate({ storage: { size: '1Gi' } }, { storage: { size: '2Gi' } })).toEqual([]);
    expect(validateUpdate({ storage: { size: '1Gi' } }, { storage: { size: '1024Mi' } })).toEqual(
      [],
    );
    expect(validateUpdate({ storage: { size: '1Gi' } }, { storage: { size: '512Mi' } })).toEqual([
      MESSAGES.storageShrink,
    ]);
  });
  it('parses quantities', () => {
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('x')).toBeUndefined();
  });
});
