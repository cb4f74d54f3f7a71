import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_ADDRESS_TEMPLATE, memberAddress } from './members.js';
import { parseOperatorArgs, UsageError } from './main.js';
import { participantLine } from './reconciler.js';
import { resolveEnsemble } from '../api/index.js';

describe('zkts operator flags', () => {
  it('defaults', () => {
    const o = parseOperatorArgs([], {});
    expect(o).toMatchObject({
      metricsPort: 8383,
      metricsHost: '0.0.0.0',
      leaderElect: false,
      leaderElectionNamespace: 'default',
      leaderElectionId: 'zkts-operator',
      memberAddressTemplate: DEFAULT_MEMBER_ADDRESS_TEMPLATE,
    });
  });

  it('parses every flag, both spellings', () => {
    const o = parseOperatorArgs(
      [
        '--kubeconfig',
        'k',
        '--namespace=ns',
        '--metrics-port',
        '0',
        '--leader-elect',
        '--member-address-template',
        '{podIP}:{port}',
        '--zk-auth',
        'digest:super:x',
      ],
      {},
    );
    expect(o).toMatchObject({
      kubeconfig: 'k',
      namespace: 'ns',
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      leaderElect: true,
      leaderElectionNamespace: 'ns',
      memberAddressTemplate: '{podIP}:{port}',
      zkAuth: { scheme: 'digest', auth: 'super:x' },
    });
  });

  it('takes the address template from the environment', () => {
    expect(
      parseOperatorArgs([], { ZKTS_OPERATOR_MEMBER_ADDRESS_TEMPLATE: '{podIP}:{port}' })
        .memberAddressTemplate,
    ).toBe('{podIP}:{port}');
  });

  it.each([
    [['--bogus']],
    [['--metrics-port', 'x']],
    [['--member-address-template', '{pod}']],
    [['--kubeconfig']],
  ])('refuses %j', (argv) => {
    expect(() => parseOperatorArgs(argv, {})).toThrow(UsageError);
  });
});

describe('member addresses', () => {
  it('fills the template', () => {
    const v = { pod: 'zk-1', ensemble: 'zk', namespace: 'ns', port: 8080, podIP: '10.0.0.5' };
    expect(memberAddress(DEFAULT_MEMBER_ADDRESS_TEMPLATE, v)).toBe(
      'zk-1.zk-headless.ns.svc.cluster.local:8080',
    );
    expect(memberAddress('{podIP}:{port}', v)).toBe('10.0.0.5:8080');
    expect(memberAddress('{podIP}:{port}', { ...v, podIP: undefined })).toBeUndefined();
  });

  it('reconfig joining lines carry the participant role', () => {
    const e = resolveEnsemble({
      apiVersion: 'zkts.dev/v1alpha1',
      kind: 'ZooKeeperEnsemble',
      metadata: { name: 'zk', namespace: 'ns' },
      spec: {},
    });
    expect(participantLine(e, 3)).toBe(
      'server.4=zk-3.zk-headless.ns.svc.cluster.local:2888:3888:participant;2181',
    );
  });
});
