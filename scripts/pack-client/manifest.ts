// The package.json of canopy-client, the SDK-only package: client/ (without the shell) and protocol/,
// built from the same dist/ as the main package. Its version, licence, engines and dependency ranges
// come from the main package.json, so the two packages never drift apart.

export const SDK_PACKAGE_NAME = 'canopy-client';
/**
 * Everything the SDK imports at run time: msgpackr (protocol codec), ws (Node's WebSocket, loaded only
 * where there is no global one) and yaml (the recipes' ConfigHandle 'yaml' format). Nothing of the
 * server's: no LevelDB, winston, yargs, histograms or Prometheus client.
 */
export const SDK_DEPENDENCIES: readonly string[] = ['msgpackr', 'ws', 'yaml'];

/** The fields of the main package.json the SDK manifest is derived from, as checked by readRootManifest. */
export interface RootManifest {
  name: string;
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}

export interface ExportTarget {
  types: string;
  default: string;
}

export interface SdkManifest {
  name: string;
  version: string;
  description: string;
  type: 'module';
  license: string;
  engines: Record<string, string>;
  types: string;
  exports: Record<string, ExportTarget | string>;
  dependencies: Record<string, string>;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

function stringField(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw new ManifestError(`package.json: ${key} must be a non-empty string`);
  return value;
}

function stringRecord(object: Record<string, unknown>, key: string): Record<string, string> {
  const value = object[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ManifestError(`package.json: ${key} must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new ManifestError(`package.json: ${key}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** The main package.json's text, checked to be the canopy package with the fields the SDK needs. */
export function readRootManifest(text: string): RootManifest {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ManifestError('package.json is not an object');
  const object = parsed as Record<string, unknown>;
  const root: RootManifest = {
    name: stringField(object, 'name'),
    version: stringField(object, 'version'),
    license: stringField(object, 'license'),
    engines: stringRecord(object, 'engines'),
    dependencies: stringRecord(object, 'dependencies'),
  };
  if (root.name !== 'canopy') throw new ManifestError(`package.json names ${JSON.stringify(root.name)}, not canopy`);
  return root;
}

function target(dir: string): ExportTarget {
  return { types: `./${dir}/index.d.ts`, default: `./${dir}/index.js` };
}

/** canopy-client's package.json: canopy/client is its root export, canopy/client/recipes its ./recipes. */
export function sdkManifest(root: RootManifest): SdkManifest {
  const dependencies: Record<string, string> = {};
  for (const name of SDK_DEPENDENCIES) {
    const range = root.dependencies[name];
    if (range === undefined) throw new ManifestError(`the SDK needs ${name}, which the main package.json does not depend on`);
    dependencies[name] = range;
  }
  return {
    name: SDK_PACKAGE_NAME,
    version: root.version,
    description: 'Canopy client SDK: a ZooKeeper-style client over WebSocket for Node and browsers, with recipes',
    type: 'module',
    license: root.license,
    engines: root.engines,
    types: './client/index.d.ts',
    exports: {
      '.': target('client'),
      './recipes': target('client/recipes'),
      './protocol': target('protocol'),
      './package.json': './package.json',
    },
    dependencies,
  };
}
