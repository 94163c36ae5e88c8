import { describe, expect, it } from 'vitest';
import { DuskError, parseSize } from '../src/index.js';

describe('parseSize', () => {
  it('reads decimal and binary units', () => {
    expect(parseSize('4GB', 'memoryLimit')).toBe(4e9);
    expect(parseSize('512MiB', 'memoryLimit')).toBe(512 * 2 ** 20);
    expect(parseSize('1.5 kb', 'x')).toBe(1500);
    expect(parseSize(1234, 'x')).toBe(1234);
    expect(parseSize('77', 'x')).toBe(77);
  });

  it('names the option in the error', () => {
    expect(() => parseSize('lots', 'gpuMemoryLimit')).toThrow(DuskError);
    expect(() => parseSize('lots', 'gpuMemoryLimit')).toThrow(/gpuMemoryLimit/);
    expect(() => parseSize(-1, 'x')).toThrow(DuskError);
  });
});
