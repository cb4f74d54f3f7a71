/** Loads the repository's CRDs (crds/*.yaml) and applies them to an API server. */
import type { KubeConfig } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { applyObject, kubeOk, kubeRequest } from './kube-raw.js';
import { waitFor } from './wait.js';

/** ZKTS_E2E_CRDS_DIR points the tests at other CRD files (to try a CRD change before it lands). */
export const crdsDir =
  process.env.ZKTS_E2E_CRDS_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../crds');

export interface CrdObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    names: { plural: string; kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: unknown } }[];
  };
}

export function loadCrds(dir = crdsDir): CrdObject[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(
        (d) => d.toJS() as CrdObject | null,
      ),
    )
    .filter((o): o is CrdObject => o?.kind === 'CustomResourceDefinition');
}

/** Applies each CRD with server-side apply and waits until it is Established. */
export async function applyCrds(kc: KubeConfig, crds: CrdObject[]): Promise<void> {
  for (const crd of crds) {
    await applyObject(
      kc,
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      crd,
    );
  }
  for (const crd of crds) {
    await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await kubeOk<{ status?: { conditions?: { type: string; status: string }[] } }>(
        kc,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      );
      return (
        live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ??
        false
      );
    });
    // Established is not yet served: the aggregator routes /apis/<group>/<version> only once
    // the CRD's group version is registered, a moment later.
    for (const v of crd.spec.versions) {
      await waitFor(`${crd.spec.group}/${v.name} served`, async () => {
        const res = await kubeRequest<{ resources?: { name: string }[] }>(
          kc,
          'GET',
          `/apis/${crd.spec.group}/${v.name}`,
        );
        return (
          res.status === 200 &&
          (res.body.resources ?? []).some((r) => r.name === crd.spec.names.plural)
        );
      });
    }
  }
}
