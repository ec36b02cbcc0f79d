// Types of build/after-pack.mjs for the TypeScript tests that import it.
/** electron-builder's AfterPackContext, as far as the hook reads it. */
export interface AfterPackContext {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  /** builder-util's Arch (1 x64, 3 arm64, 4 universal). */
  readonly arch: number;
  readonly packager: { readonly appInfo: { readonly productFilename: string }; readonly executableName: string };
}
/** The wanted state of every fuse, by wire index (FuseV1Options). */
export const SIDECALL_FUSES: Readonly<Record<number, boolean>>;
/** The file electron-builder hands to @electron/fuses on this platform. */
export function electronBinary(context: AfterPackContext): string;
/** Names of the fuses in a wire (getCurrentFuseWire) that are not as wanted. */
export function wrongFuses(wire: Readonly<Record<string | number, unknown>>): string[];
export function afterPack(context: AfterPackContext): Promise<void>;
