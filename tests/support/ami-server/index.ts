// The AMI test server for tests: the engine lives in src-main/core/demo/pbx (it
// doubles as the demo PBX); this folder adds what only tests need: a raw
// socket client, the recorded traces, the trace comparison, the scenario
// driver and a test-only TLS certificate.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export { startAmiServer, createPbx, traceAfterLogin, LAB_USERS } from '../../../src-main/core/demo/pbx/server';
export type { AmiServer, AmiServerOptions, AmiConnection, SplitMode, ReplayOptions } from '../../../src-main/core/demo/pbx/server';
export { simulateInbound, simulateTraffic } from '../../../src-main/core/demo/pbx/calls';
export type { InboundCallOptions, SimulatedCall, TrafficOptions } from '../../../src-main/core/demo/pbx/calls';
export { labConfig, operatorEndpoints } from '../../../src-main/core/demo/pbx/config';
export { RawAmiClient } from './raw-client';
export { loadTrace, decodeTrace, TRACE_DIR, TRACE_FILES } from './traces';
export type { Trace, TimelineStep } from './traces';
export { normalise, compareNormalised, formatDifferences, buildIdMaps } from './compare';
export type { NormalMessage, Difference } from './compare';
export { runScenario } from './fidelity';
export type { ScenarioRun } from './fidelity';

const TLS_DIR = path.resolve(import.meta.dirname, 'tls');

/** The test-only self-signed key and certificate (CN=localhost, 127.0.0.1). */
export function testTlsMaterial(): { readonly key: string; readonly cert: string } {
  return { key: readFileSync(path.join(TLS_DIR, 'test-key.pem'), 'utf8'), cert: readFileSync(path.join(TLS_DIR, 'test-cert.pem'), 'utf8') };
}
export { startHarness, flush, hv, eventNames, LAB_SECRETS } from './harness';
export type { Harness } from './harness';
