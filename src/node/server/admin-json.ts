/**
 * JSON as Apache's admin server writes it (Jackson's default pretty printer): `"key" : value`,
 * two-space indents, arrays inline as `[ a, b ]` with objects opening on the same line, and
 * empty containers as `[ ]` / `{ }`. 64-bit ids are written as exact integers (bigint), and
 * Java doubles keep their `.0`, so a byte-level diff against Apache stays readable.
 */
import { formatJavaDouble, JavaDouble } from './stats.js';

export type JsonValue =
  null | boolean | number | bigint | string | JavaDouble | JsonValue[] | JsonObject;

/** Insertion-ordered object; Maps allow keys like session ids in a fixed order. */
export type JsonObject = Map<string, JsonValue> | { [key: string]: JsonValue };

const pad = (level: number) => '  '.repeat(level);

export function toJacksonJson(value: JsonValue, level = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : formatJavaDouble(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JavaDouble) return formatJavaDouble(value.value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[ ${value.map((v) => toJacksonJson(v, level)).join(', ')} ]`;
  }
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  if (entries.length === 0) return '{ }';
  const body = entries
    .map(([k, v]) => `\n${pad(level + 1)}${JSON.stringify(k)} : ${toJacksonJson(v, level + 1)}`)
    .join(',');
  return `{${body}\n${pad(level)}}`;
}
