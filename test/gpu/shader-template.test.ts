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

describe('shader libraries', () => {
  it('`// #include name` pulls in shaders/lib/name.wgsl once, libraries including others', () => {
    const wgsl = renderShader('expr', { WORKGROUP_SIZE: 64, CODE_SLOTS: 1, BINDINGS: '', OUTPUT_WORDS: 1, ROW: '', FLUSH: '' });
    expect(wgsl).toContain('fn u64_add(');
    expect(wgsl).toContain('fn f64_exp(');
    expect(wgsl.match(/fn u64_add\(/g)).toHaveLength(1);
    expect(wgsl).not.toMatch(/^\/\/ #include/m);
  });

  it('reduce and both group-by families share the double-float library', () => {
    for (const [family, params] of [['reduce', { WORKGROUP_SIZE: 64, KIND: 1 }], ['group-agg', { WORKGROUP_SIZE: 64, KIND: 1 }]] as const) {
      expect(renderShader(family, params)).toContain('fn df_add(');
    }
    expect(renderShader('group-by', { WORKGROUP_SIZE: 64, KIND: 2, KEY_WORDS: 1 })).toContain('fn lo_word(');
  });
});
