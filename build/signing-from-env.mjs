// The signing part of the electron-builder configuration, read from the
// environment when `npm run dist` runs (electron-builder.yml `extends` this
// file; electron-builder calls the default export and merges what it returns
// under the YAML). No certificate, password or account is ever in the repository.
//
// Windows, either:
//   - a certificate file: CSC_LINK (or WIN_CSC_LINK) + CSC_KEY_PASSWORD, read by
//     electron-builder itself (nothing here);
//   - Azure Trusted Signing: AZURE_TRUSTED_SIGNING_ENDPOINT,
//     AZURE_TRUSTED_SIGNING_ACCOUNT, AZURE_TRUSTED_SIGNING_PROFILE and
//     AZURE_TRUSTED_SIGNING_PUBLISHER (the certificate's subject CN; the updater
//     compares downloaded installers with it), plus the service principal in
//     AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET for the
//     TrustedSigning PowerShell module. These become win.azureSignOptions.
// macOS: CSC_LINK + CSC_KEY_PASSWORD (Developer ID Application) and the
//   notarization credentials (APPLE_API_KEY + APPLE_API_KEY_ID +
//   APPLE_API_ISSUER, or APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD +
//   APPLE_TEAM_ID), read by electron-builder itself.
// SIDECALL_REQUIRE_SIGNING=1 (release builds): fail instead of producing
//   unsigned installers (forceCodeSigning).
import process from 'node:process';

export const AZURE_VARIABLES = Object.freeze({
  endpoint: 'AZURE_TRUSTED_SIGNING_ENDPOINT',
  codeSigningAccountName: 'AZURE_TRUSTED_SIGNING_ACCOUNT',
  certificateProfileName: 'AZURE_TRUSTED_SIGNING_PROFILE',
  publisherName: 'AZURE_TRUSTED_SIGNING_PUBLISHER',
});

/** The configuration fragment for these environment variables (pure, for tests). */
export function signingConfig(env) {
  const config = {};
  const azure = Object.fromEntries(Object.entries(AZURE_VARIABLES).map(([option, variable]) => [option, (env[variable] ?? '').trim()]));
  const given = Object.values(azure).filter((v) => v !== '').length;
  if (given > 0) {
    const missing = Object.entries(AZURE_VARIABLES)
      .filter(([option]) => azure[option] === '')
      .map(([, variable]) => variable);
    if (missing.length > 0) throw new Error(`Azure Trusted Signing is half configured: set ${missing.join(', ')} as well (or none of them to sign with CSC_LINK)`);
    if (!/^https:\/\/[a-z0-9.-]+\/?$/i.test(azure.endpoint)) throw new Error(`${AZURE_VARIABLES.endpoint} must be the account's https endpoint, e.g. https://weu.codesigning.azure.net/`);
    config.win = { azureSignOptions: azure };
  }
  if (env.SIDECALL_REQUIRE_SIGNING === '1') config.forceCodeSigning = true;
  return config;
}

// eslint-disable-next-line no-restricted-syntax -- electron-builder reads a parent configuration's default export.
export default function signingFromEnvironment() {
  return signingConfig(process.env);
}
