// Typed AMI actions: plain functions over an AmiActionSender (an AmiConnection,
// or any other AmiEventSource). Each validates its parameters (AmiRequestError,
// nothing sent), returns a typed result, or rejects with AmiActionError carrying
// Asterisk's Message; a value with CR or LF is refused by the codec
// (AmiCodecError naming the field) before anything is written.
export { originate, redirect, atxfer, blindTransfer, hangup, park, formatCallerId, variableHeaders } from './call';
export type { OriginateParams, OriginateResult, RedirectParams, TransferParams, HangupParams, ParkParams } from './call';
export { mixMonitor, stopMixMonitor, mixMonitorMute } from './recording';
export type { MixMonitorParams, MixMonitorResult, StopMixMonitorParams, MixMonitorMuteParams, MixMonitorDirection } from './recording';
export { getvar, setvar } from './variables';
export { dbGet, dbPut, dbDel } from './database';
export type { DbKeyParams, DbPutParams } from './database';
export type { GetvarParams, GetvarResult, SetvarParams } from './variables';
export { coreShowChannels, status, channelSnapshot } from './channels';
export { challenge, login, md5Key, ping, filter, logoff } from './session';
export type { LoginParams, FilterParams } from './session';
export type { AmiAck, ReplyOptions } from './params';
