import { DeviceError } from '../errors.js';
import { GpuContext, type AdapterReport } from './gpu-context.js';

/** `auto`: use a GPU when one is found; `off`: never touch it; `require`: fail without one. */
export type GpuMode = 'auto' | 'off' | 'require';

export interface AcquireGpuOptions {
  mode?: GpuMode;
  /** Device bytes the buffer pool may hold. Default: four of the largest buffers, at most 8 GiB. */
  gpuMemoryLimit?: number;
  /** Cap on one storage binding below the device's limit (tests use it to force windows). */
  maxBindingSize?: number;
}

export interface GpuAcquisition {
  gpu: GpuContext | null;
  /** Why each path that was tried gave no device (empty when a device was found first time). */
  reasons: string[];
  mode: GpuMode;
}

const LIMITS_WANTED = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

/** The mode in force: `DUSK_GPU` overrides the option. */
export function gpuMode(option: GpuMode | undefined): GpuMode {
  const env = process.env.DUSK_GPU;
  if (env === 'off' || env === 'auto' || env === 'require') return env;
  if (env !== undefined && env !== '') {
    throw new DeviceError('BAD_DUSK_GPU', `DUSK_GPU must be off, auto or require, not '${env}'`);
  }
  return option ?? 'auto';
}

function nativeBackendName(): string {
  if (process.platform === 'darwin') return 'Metal';
  if (process.platform === 'win32') return 'D3D12';
  return 'Vulkan';
}

function isSoftware(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /llvmpipe|swiftshader|lavapipe|warp|software/.test(text);
}

async function openDevice(
  instance: GPU,
  adapter: GPUAdapter,
  backend: AdapterReport['backend'],
  options: AcquireGpuOptions,
): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_WANTED) requiredLimits[name] = adapter.limits[name];
  // A power of two no larger than 256 that the adapter allows; the kernels' trees need 2^k.
  const maxWg = Math.min(adapter.limits.maxComputeInvocationsPerWorkgroup, adapter.limits.maxComputeWorkgroupSizeX, 256);
  const workgroupSize = 2 ** Math.floor(Math.log2(maxWg));
  const device = await adapter.requestDevice({ requiredLimits, label: 'dusk' });
  const limits: Record<string, number> = {};
  for (const name of LIMITS_WANTED) limits[name] = device.limits[name];
  limits.minStorageBufferOffsetAlignment = device.limits.minStorageBufferOffsetAlignment;
  const info = adapter.info;
  const report: AdapterReport = {
    name: info.device || info.description || 'unknown adapter',
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    backend,
    backendName: backend === 'opengles' ? `OpenGL ES (EGL ${process.env.EGL_PLATFORM ?? 'default'})` : nativeBackendName(),
    featureLevel: adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility',
    software: isSoftware(info),
    limits,
    features: [...adapter.features].map(String).sort(),
    workgroupSize,
  };
  const gpuMemoryLimit = options.gpuMemoryLimit ?? Math.min(4 * device.limits.maxBufferSize, 8 * 2 ** 30);
  if (options.maxBindingSize !== undefined && !(options.maxBindingSize >= 1024 && options.maxBindingSize % 256 === 0)) {
    device.destroy();
    throw new DeviceError('BAD_BINDING_CAP', `maxBindingSize must be a multiple of 256 bytes, at least 1024, not ${options.maxBindingSize}`);
  }
  return new GpuContext(device, report, gpuMemoryLimit, instance, options.maxBindingSize);
}

/**
 * Finds a WebGPU device in the order of DESIGN §5: Dawn's native backend; then OpenGL ES on EGL
 * surfaceless with `featureLevel: 'compatibility'` (how Mesa's llvmpipe gives a machine with no
 * GPU a real device); then none. `EGL_PLATFORM=surfaceless` is set only for that second path,
 * and only when the user has not set EGL_PLATFORM, so a real GPU's setup is left alone.
 */
export async function acquireGpu(options: AcquireGpuOptions = {}): Promise<GpuAcquisition> {
  const mode = gpuMode(options.mode);
  const reasons: string[] = [];
  if (mode === 'off') return { gpu: null, reasons: ['the GPU is off (gpu: off or DUSK_GPU=off)'], mode };

  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (cause) {
    reasons.push(`the 'webgpu' package (Dawn) could not be loaded: ${(cause as Error).message}`);
    return finish(null, reasons, mode);
  }
  Object.assign(globalThis, webgpu.globals);

  try {
    const native = webgpu.create([]);
    const adapter = await native.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter !== null) return finish(await openDevice(native, adapter, 'default', options), reasons, mode);
    reasons.push(`${nativeBackendName()}: no adapter`);
  } catch (cause) {
    reasons.push(`${nativeBackendName()}: ${(cause as Error).message}`);
  }

  try {
    if (process.env.EGL_PLATFORM === undefined) process.env.EGL_PLATFORM = 'surfaceless';
    const gles = webgpu.create(['backend=opengles']);
    const adapter = await gles.requestAdapter({ featureLevel: 'compatibility' });
    if (adapter !== null) return finish(await openDevice(gles, adapter, 'opengles', options), reasons, mode);
    reasons.push(`OpenGL ES (EGL ${process.env.EGL_PLATFORM}): no adapter (are Mesa's libEGL and libGLESv2 installed?)`);
  } catch (cause) {
    reasons.push(`OpenGL ES (EGL ${process.env.EGL_PLATFORM}): ${(cause as Error).message}`);
  }
  return finish(null, reasons, mode);
}

function finish(gpu: GpuContext | null, reasons: string[], mode: GpuMode): GpuAcquisition {
  if (gpu === null && mode === 'require') {
    throw new DeviceError('NO_GPU', `gpu: 'require' but no WebGPU adapter was found:\n  ${reasons.join('\n  ')}`);
  }
  return { gpu, reasons, mode };
}
