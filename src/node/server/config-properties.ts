/**
 * java.util.Properties.load, which is how Apache reads zoo.cfg: `key=value`, `key: value` or
 * `key value`; `#`/`!` comment lines; a line ending in an odd number of backslashes continues
 * on the next (whose leading blanks are dropped); `\t \n \r \f \uXXXX` escapes, `\x` = `x`.
 * Keys and values are then trimmed, as QuorumPeerConfig does.
 */
import { ConfigError } from './config-error.js';

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the logical line starts. */
  line: number;
}

const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\f';

/** Java String.trim: strips every char <= U+0020 at both ends. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

function unescape(raw: string, file: string, line: number, what: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i];
    if (e === undefined) break;
    if (e === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(file, line, what, `malformed \\uxxxx escape "\\u${hex}"`);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
    }
  }
  return out;
}

/** Entries in file order (duplicates kept: the caller decides; Java lets the last win). */
export function parseProperties(text: string, file: string): PropertyEntry[] {
  const natural = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  for (let n = 0; n < natural.length; n++) {
    const startLine = n + 1;
    let current = natural[n]!.replace(/^[ \t\f]+/, '');
    if (current === '' || current[0] === '#' || current[0] === '!') continue;
    // Join continuation lines: an odd run of trailing backslashes escapes the line end.
    while (/(^|[^\\])(\\\\)*\\$/.test(current) && n + 1 < natural.length) {
      current = current.slice(0, -1) + natural[++n]!.replace(/^[ \t\f]+/, '');
    }
    if (/(^|[^\\])(\\\\)*\\$/.test(current)) current = current.slice(0, -1);

    let i = 0;
    let rawKey = '';
    while (i < current.length) {
      const c = current[i]!;
      if (c === '\\' && i + 1 < current.length) {
        rawKey += c + current[i + 1];
        i += 2;
        continue;
      }
      if (c === '=' || c === ':' || blank(c)) break;
      rawKey += c;
      i++;
    }
    while (blank(current[i])) i++;
    if (current[i] === '=' || current[i] === ':') i++;
    while (blank(current[i])) i++;
    const key = javaTrim(unescape(rawKey, file, startLine, rawKey));
    const value = javaTrim(unescape(current.slice(i), file, startLine, key));
    entries.push({ key, value, line: startLine });
  }
  return entries;
}
