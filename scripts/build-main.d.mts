// Types of scripts/build-main.mjs for the TypeScript tests that import it.
export interface ChannelNames {
  readonly request: readonly string[];
  readonly event: readonly string[];
}
export interface BuiltMain {
  readonly main: string;
  readonly preload: string;
  readonly trayIcons: readonly string[];
}
/** Object.keys of the contract's request and event maps. */
export function contractChannelNames(): Promise<ChannelNames>;
/** Bundles main and preload into `outDir` (dist/main by default) and copies the tray icons. */
export function buildMain(options?: { outDir?: string; logLevel?: 'silent' | 'error' | 'warning' | 'info' }): Promise<BuiltMain>;
