/** A zoo.cfg (or dynamic config) value zkts will not run with. The message names file, line and key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    /** 1-based line of the entry; undefined when the problem is a key that is missing. */
    readonly line: number | undefined,
    readonly key: string,
    readonly detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${key}: ${detail}`);
  }
}
