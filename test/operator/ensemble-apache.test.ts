/**
 * The operator scenario (ensemble-scenario.ts) with Apache ZooKeeper 3.8 as the member image:
 * testdata/apache-member.mjs stands in for `zkts server --config`. Apache has no leadership
 * handoff, so its rolling upgrade restarts the leader last without one.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operatorScenario } from './ensemble-scenario.js';

const wrapper = join(dirname(fileURLToPath(import.meta.url)), 'testdata/apache-member.mjs');

operatorScenario({
  label: 'Apache ZooKeeper 3.8',
  namespace: 'op-apache',
  image: 'e2e/apache-zk-operator:3.8',
  version: '3.8',
  entrypoints: { images: { 'e2e/apache-zk-operator': [process.execPath, wrapper] } },
  canYield: false,
});
