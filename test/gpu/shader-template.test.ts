import { afterEach, describe, expect, it, vi } from 'vitest';
import { KernelError } from '../../src/index.js';
import { renderShader } from '../../src/gpu/shader-template.js';

describe('renderShader', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.DUSK_PRINT_SHADER;
  });

  it('fills every named placeholder', () => {
    const wgsl = renderShader('reduce', { WORKGROUP_SIZE: 128, KIND: 1 });
    expect(wgsl).toContain('const WG: u32 = 128u;');
    expect(wgsl).toContain('const KIND: u32 = 1u;');
    expect(wgsl).not.toMatch(/\{\{/);
  });

  it('an unfilled placeholder is a KernelError naming it', () => {
    expect(() => renderShader('reduce', { WORKGROUP_SIZE: 128 })).toThrow(KernelError);
    expect(() => renderShader('reduce', { WORKGROUP_SIZE: 128 })).toThrow(/KIND not filled/);
  });

  it('a parameter the shader does not have is a KernelError', () => {
    expect(() => renderShader('reduce', { WORKGROUP_SIZE: 128, KIND: 0, TYPO: 1 })).toThrow(/no placeholder\(s\) TYPO/);
  });

  it('an unknown family is a KernelError', () => {
    expect(() => renderShader('no-such-family', {})).toThrow(KernelError);
  });

  it('DUSK_PRINT_SHADER=1 prints the rendered WGSL', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env.DUSK_PRINT_SHADER = '1';
    renderShader('reduce', { WORKGROUP_SIZE: 64, KIND: 2 });
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    expect(printed).toContain('dusk shader reduce');
    expect(printed).toContain('const WG: u32 = 64u;');
  });
});
