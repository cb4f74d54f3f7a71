/**
 * Reads a CRD's validation as the API server will enforce it: every x-kubernetes-validations
 * rule with the schema path it sits at, and the bounds at a path. The CRD test uses these to
 * expect, for each invalid ensemble, the very message the CRD declares for the rule it breaks.
 */
export interface CelRule {
  /** dotted path of the schema node holding the rule, e.g. "spec.storage" */
  path: string;
  rule: string;
  message?: string;
  messageExpression?: string;
}

export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string }[];
}

export function celRules(node: SchemaNode, path = ''): CelRule[] {
  const here = (node['x-kubernetes-validations'] ?? []).map((r) => ({ path, ...r }));
  const children = Object.entries(node.properties ?? {}).flatMap(([k, child]) =>
    celRules(child, path ? `${path}.${k}` : k),
  );
  const extra =
    typeof node.additionalProperties === 'object'
      ? celRules(node.additionalProperties, `${path}[*]`)
      : [];
  const items = node.items ? celRules(node.items, `${path}[*]`) : [];
  return [...here, ...children, ...extra, ...items];
}

export function schemaAt(root: SchemaNode, path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const key of path.split('.')) node = node?.properties?.[key];
  return node;
}
