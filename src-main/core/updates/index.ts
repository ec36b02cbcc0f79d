// Self-update decisions (pure): the plan, the status reducer and schedule, and
// what the operator is told. The Electron glue is hosts/electron/updater.ts.
export { installKind, isLocked, samePlan, updatePlan } from './plan';
export type { InstallFacts, InstallKind, PlanInput, UpdateFeed, UpdatePlan, UpdatesOffReason } from './plan';
export { CHECK_INTERVAL_MS, FIRST_CHECK_DELAY_MS, INITIAL_STATUS, RETRY_AFTER_ERROR_MS, becameReady, nextCheckAt, reduceUpdate, restartDecision } from './status';
export type { LastCheck, RestartDecision, UpdateEvent, UpdateStatus } from './status';
export { describeUpdates, readyNotice, restartNotice, updateMenuItem } from './notices';
export type { UpdateLanguage, UpdateMenuItem, UpdateNotice } from './notices';
