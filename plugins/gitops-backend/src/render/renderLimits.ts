import type { Config } from '@backstage/config';

/** Ceilings on what one render may read, produce and take. */
export interface RenderLimits {
  /** Bytes of all files of a checkout together. */
  maxRepositoryBytes: number;
  /** Files, folders and symlinks of a checkout, counting what symlinked folders repeat. */
  maxFiles: number;
  /** Bytes of manifests read or of a tool's output for one application. */
  maxManifestBytes: number;
  /** Objects one application renders to. */
  maxObjects: number;
  /** Milliseconds one render may take. */
  maxRenderMs: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = {
  maxRepositoryBytes: 512 * 1024 * 1024,
  maxFiles: 50_000,
  maxManifestBytes: 64 * 1024 * 1024,
  maxObjects: 5_000,
  maxRenderMs: 120_000,
};

const CONFIG_KEYS: Record<keyof RenderLimits, string> = {
  maxRepositoryBytes: 'gitops.limits.repositoryBytes',
  maxFiles: 'gitops.limits.files',
  maxManifestBytes: 'gitops.limits.manifestBytes',
  maxObjects: 'gitops.limits.objectsPerApplication',
  maxRenderMs: 'gitops.limits.renderSeconds',
};

/** A render stopped by one of the limits; names the limit and its config key. */
export class RenderLimitError extends Error {
  constructor(limit: keyof RenderLimits, limits: RenderLimits, what: string) {
    const value =
      limit === 'maxRenderMs' ? limits[limit] / 1000 : limits[limit];
    super(
      `${what}, over the limit of ${value}; split the application or raise ${CONFIG_KEYS[limit]}`,
    );
    this.name = 'RenderLimitError';
  }
}

/** Reads `gitops.limits.*`; a missing key keeps its default. */
export function readRenderLimits(config: Config): RenderLimits {
  const read = (key: keyof RenderLimits, scale = 1) => {
    const configKey = CONFIG_KEYS[key];
    const value = config.getOptionalNumber(configKey);
    if (value === undefined) return DEFAULT_RENDER_LIMITS[key];
    if (!(value > 0)) {
      throw new Error(`${configKey} must be a positive number`);
    }
    return value * scale;
  };
  return {
    maxRepositoryBytes: read('maxRepositoryBytes'),
    maxFiles: read('maxFiles'),
    maxManifestBytes: read('maxManifestBytes'),
    maxObjects: read('maxObjects'),
    maxRenderMs: read('maxRenderMs', 1000),
  };
}
