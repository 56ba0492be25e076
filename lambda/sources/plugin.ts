/**
 * What a source kind gives the scan: how to build its runtime adapter from its setting, and what
 * the CLI says about it. One module per kind (`lambda/sources/<kind>/plugin.ts`) exports one, so a
 * scan worker can bundle exactly one source; `registry.ts` lists them all.
 */
import type { SourceSetting } from '../contracts/sources';
import type { CertificateSource } from '../core/ports';
import type { ClientOverrides } from './client-config';

export type { ClientOverrides };

export interface SourceContext {
  /** Per region: the local emulator's endpoint in tests, assumed-role credentials for other accounts. */
  readonly clientOverrides?: (region: string) => ClientOverrides;
}

export type SourceFactory = (setting: SourceSetting, context: SourceContext) => CertificateSource;

/** One kind of store: how to build it, and what the CLI says about it. */
export interface SourcePlugin {
  /** One line for `cert-watch scan --help`. */
  readonly summary: string;
  /** Regional stores get one scope per region (`--regions`); global ones one per account. */
  readonly regional: boolean;
  readonly create: SourceFactory;
}

export type SourceRegistry = Readonly<Record<string, SourcePlugin>>;
