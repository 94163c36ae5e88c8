import { DuskError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/**
 * Bytes in a size such as `'4GB'` (10^9), `'512MiB'` (2^20) or a plain number of bytes.
 * `option` names the setting in the error for anything else.
 */
export function parseSize(size: string | number, option: string): number {
  if (typeof size === 'number') {
    if (Number.isFinite(size) && size >= 0) return Math.floor(size);
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(size);
    const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
    if (match !== null && unit !== undefined) return Math.floor(Number(match[1]) * unit);
  }
  throw new DuskError('BAD_SIZE', `${option}: '${size}' is not a size; write bytes or e.g. '4GB', '512MiB'`);
}
