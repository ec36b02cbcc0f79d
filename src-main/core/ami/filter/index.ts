// Operator filter: which AMI messages concern this operator's extension, with an
// exact byte-level prefilter so the decoder can skip other operators' events.
export { createOperatorFilter, isChannelHeader, DEFAULT_ALWAYS_EVENTS, DEFAULT_CHANNEL_PATTERN } from './operator-filter';
export type { OperatorFilter, OperatorFilterOptions } from './operator-filter';
