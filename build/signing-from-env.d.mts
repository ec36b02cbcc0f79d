// Types of build/signing-from-env.mjs for the TypeScript tests that import it.
export const AZURE_VARIABLES: Readonly<Record<'endpoint' | 'codeSigningAccountName' | 'certificateProfileName' | 'publisherName', string>>;
export interface SigningConfig {
  win?: { azureSignOptions: Record<'endpoint' | 'codeSigningAccountName' | 'certificateProfileName' | 'publisherName', string> };
  forceCodeSigning?: true;
}
/** The configuration fragment for these environment variables; throws when Azure signing is half configured. */
export function signingConfig(env: Readonly<Record<string, string | undefined>>): SigningConfig;
declare function signingFromEnvironment(): SigningConfig;
// eslint-disable-next-line no-restricted-syntax -- mirrors the module: electron-builder reads a parent configuration's default export.
export default signingFromEnvironment;
