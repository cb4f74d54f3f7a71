/** Kubernetes Events (core/v1) about an ensemble, one per action the operator takes. */
import type { Logger } from 'pino';
import { API_GROUP_VERSION, KIND, type ObjectMeta } from '../api/index.js';
import type { Kube } from './kube.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(about: ObjectMeta, type: EventType, reason: string, message: string): Promise<void>;
}

export function makeEventRecorder(
  kube: Kube,
  log: Logger,
  component = 'zkts-operator',
  now = () => new Date(),
): EventRecorder {
  let seq = 0;
  return {
    async record(about, type, reason, message) {
      const t = now();
      seq = (seq + 1) % 1_000_000;
      const name = `${about.name}.${t.getTime().toString(16)}${seq.toString(16)}`;
      try {
        await kube.request('POST', `/api/v1/namespaces/${about.namespace}/events`, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: about.namespace },
          involvedObject: {
            apiVersion: API_GROUP_VERSION,
            kind: KIND,
            name: about.name,
            namespace: about.namespace,
            uid: about.uid,
            resourceVersion: about.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component },
          reportingComponent: component,
          reportingInstance: component,
          action: reason,
          firstTimestamp: t.toISOString(),
          lastTimestamp: t.toISOString(),
          count: 1,
        });
      } catch (err) {
        // An event that cannot be written must not fail the reconcile that it describes.
        log.warn({ err: String(err), reason }, 'could not record event');
      }
    },
  };
}
