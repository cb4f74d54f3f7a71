/**
 * The operator scenario (ensemble-scenario.ts) with zkts members: the test kubelet runs the
 * image `zkts` as `node bin/zkts server --config /conf/zoo.cfg` (the compiled CLI: `npm run
 * build` first). zkts leaders yield leadership on request, so the rolling upgrade moves
 * leadership before the old leader's pod is deleted.
 */
import { operatorScenario } from './ensemble-scenario.js';

// ZKTS_E2E_MEMBER_ENTRY: another compiled CLI (bin/zkts of another checkout) for the members,
// to test a fixed build while the shared dist/ is rebuilt.
const entry = process.env.ZKTS_E2E_MEMBER_ENTRY;

operatorScenario({
  label: 'zkts',
  namespace: 'op-zkts',
  image: 'zkts:e2e',
  version: 'e2e',
  ...(entry ? { entrypoints: { images: { zkts: [process.execPath, entry] } } } : {}),
  canYield: true,
});
