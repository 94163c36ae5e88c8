import type { ClientInfo } from '../client.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function bytes(n: number): string {
  return n >= GiB ? `${(n / GiB).toFixed(2)} GiB` : `${(n / MiB).toFixed(1)} MiB`;
}

/** The text of `npx dusk info`. */
export function formatInfo(info: ClientInfo): string {
  const lines: string[] = [];
  if (info.gpu === null) {
    lines.push('GPU: none');
    for (const reason of info.gpuUnavailable) lines.push(`  ${reason}`);
  } else {
    const g = info.gpu;
    lines.push(`GPU: ${g.name}${g.software ? ' (software)' : ''}`);
    lines.push(`  backend:        ${g.backendName}`);
    lines.push(`  feature level:  ${g.featureLevel}`);
    if (g.vendor || g.architecture) lines.push(`  vendor:         ${[g.vendor, g.architecture].filter(Boolean).join(' / ')}`);
    if (g.description) lines.push(`  description:    ${g.description}`);
    lines.push(`  workgroup size: ${g.workgroupSize}`);
    lines.push('  limits:');
    for (const [name, value] of Object.entries(g.limits)) lines.push(`    ${name.padEnd(36)} ${value}`);
    lines.push(`  features:       ${g.features.length > 0 ? g.features.join(', ') : '(none)'}`);
    if (info.gpuMemoryLimit !== null) lines.push(`  gpuMemoryLimit: ${bytes(info.gpuMemoryLimit)}`);
  }
  lines.push(`CPU workers: ${info.workers}`);
  lines.push(`memoryLimit: ${bytes(info.memoryLimit)}`);
  return `${lines.join('\n')}\n`;
}
