/**
 * Reduces four-letter-word output to its shape: values that differ between runs and servers
 * (numbers, ids, addresses, dates, paths, the version) become placeholders, keys stay.
 */
export function fourLetterShape(text: string): string[] {
  return text.split('\n').map((l) =>
    l
      .replace(/version: .*|version\t.*/, 'version V')
      .replace(/lop=\w+/, 'lop=OP')
      .replace(/[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}/g, 'DATE')
      .replace(/\/127\.0\.0\.1:\d+/g, '/ADDR')
      .replace(/0x[0-9a-f]+/g, '0xH')
      .replace(/-?\d+(\.\d+)?(E-?\d+)?/g, 'N')
      .replace(/\/[\w/.-]+/g, 'PATH'),
  );
}

/** JSON shape: keys in order and value kinds; maps keyed by ids/paths/times collapse to one entry. */
export function jsonShape(v: unknown, dynamicKeys = false): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [jsonShape(v[0])];
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (dynamicKeys) {
      // Keys are data; one entry stands for all (the first with a non-empty value, if any).
      const rep = entries.find(([, x]) => !Array.isArray(x) || x.length > 0) ?? entries[0];
      return rep === undefined ? {} : { KEY: jsonShape(rep[1]) };
    }
    const shaped = entries.map(([k, x]): [string, unknown] => [
      k,
      jsonShape(x, dynamicMaps.includes(k)),
    ]);
    // Jackson orders a bean's properties by reflection, which differs between JVM runs
    // (server_stats moved provider_null between two captures): compare those as sets.
    return 'provider_null' in (v as object)
      ? shaped.sort(([a], [b]) => a.localeCompare(b))
      : shaped;
  }
  return typeof v;
}

const dynamicMaps = [
  'expiry_time_to_session_ids',
  'session_id_to_ephemeral_paths',
  'session_id_to_watched_paths',
  'path_to_session_ids',
  'current_config',
];
