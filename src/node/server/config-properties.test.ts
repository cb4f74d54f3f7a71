import { describe, expect, it } from 'vitest';
import { javaTrim, parseProperties } from './config-properties.js';

describe('parseProperties (java.util.Properties.load)', () => {
  it('keeps line numbers of logical lines and handles escapes', () => {
    const text = [
      'a=1',
      '# comment ending in backslash \\',
      'b = two \\',
      '    parts',
      'c\\=d=e',
      'f:g',
      'h\\ i j',
      'k=\\t\\u0041\\\\',
      'l=even\\\\',
      'm',
      '  ',
    ].join('\n');
    expect(parseProperties(text, 'f')).toEqual([
      { key: 'a', value: '1', line: 1 },
      { key: 'b', value: 'two parts', line: 3 },
      { key: 'c=d', value: 'e', line: 5 },
      { key: 'f', value: 'g', line: 6 },
      { key: 'h i', value: 'j', line: 7 },
      // \t then trimmed away at the front; \\ is one backslash
      { key: 'k', value: 'A\\', line: 8 },
      { key: 'l', value: 'even\\', line: 9 },
      { key: 'm', value: '', line: 10 },
    ]);
  });

  it('a continuation on the last line just ends it', () => {
    expect(parseProperties('a=1\\', 'f')).toEqual([{ key: 'a', value: '1', line: 1 }]);
  });

  it('javaTrim strips control characters too', () => {
    expect(javaTrim('\u0001 x \t\r')).toBe('x');
  });
});
