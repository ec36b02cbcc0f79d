// Types of build/msi-project.mjs for the TypeScript tests that import it.
export interface InstallerOption {
  readonly property: string;
  readonly path: string;
  readonly type: 'string' | 'boolean';
}
export interface InstallerOptions {
  readonly lockProperty: string;
  readonly options: readonly InstallerOption[];
}
export const SCHEMES: readonly { readonly scheme: string; readonly description: string }[];
/** The registered launch command: `"[#mainExecutable]" -- "%1"`. */
export const LINK_COMMAND: string;
/** The installed Sidecall's Windows file name (Sidecall.exe). */
export const MAIN_EXECUTABLE: string;
/** The MSI condition of a scheme key component: no handler yet, or Sidecall's own (an upgrade). */
export function schemeCondition(scheme: string): string;
/** build/installer-options.json. */
export function installerOptions(): InstallerOptions;
/** A stable GUID for a component id. */
export function componentGuid(id: string): string;
/** The WiX elements Sidecall adds. */
export function sidecallWix(options?: InstallerOptions): string;
/** The WiX project with Sidecall's elements added (idempotent); throws if the template changed shape. */
export function addSidecallToWxs(wxs: string, options?: InstallerOptions): string;
/** electron-builder's msiProjectCreated hook: rewrites the project file in place. */
export function msiProjectCreated(projectFile: string): Promise<void>;
