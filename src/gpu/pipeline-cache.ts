import { KernelError } from '../errors.js';
import { renderShader, type ShaderParams } from './shader-template.js';

/**
 * Compute pipelines keyed by (kernel family, entry point, placeholder values). A shader that
 * fails to compile is a `KernelError` carrying the compiler's messages with their lines.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(
    private readonly device: GPUDevice,
    /** Renders a family's WGSL; tests pass their own to check how compile errors surface. */
    private readonly render: (family: string, params: ShaderParams) => string = renderShader,
  ) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(family: string, entryPoint: string, params: ShaderParams): Promise<GPUComputePipeline> {
    const key = `${family}/${entryPoint}/${Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join(',')}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline === undefined) {
      pipeline = this.build(family, entryPoint, params, key);
      this.pipelines.set(key, pipeline);
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private async build(
    family: string,
    entryPoint: string,
    params: ShaderParams,
    key: string,
  ): Promise<GPUComputePipeline> {
    const code = this.render(family, params);
    const module = this.device.createShaderModule({ code, label: key });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const lines = code.split('\n');
      const detail = errors
        .map((m) => `  line ${m.lineNum}: ${m.message}\n    ${lines[m.lineNum - 1]?.trim() ?? ''}`)
        .join('\n');
      throw new KernelError('SHADER_COMPILE', `shader ${key} does not compile:\n${detail}`);
    }
    try {
      return await this.device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint },
        label: key,
      });
    } catch (cause) {
      throw new KernelError('PIPELINE_CREATE', `pipeline ${key} could not be created`, { cause });
    }
  }
}
