// The dialplan Sidecall ships for least-privilege recording (Settings ->
// Recording -> mode "dialplan"). Asterisk runs the AMI MixMonitor action only
// for users with write=system, which is close to shell access
// (shared/reference/asterisk-ami.md, Permissions). With this context installed
// the operator's AMI user needs only write=originate,call: Sidecall sends
//
//   Action: Originate
//   Channel: Local/<ext>@sidecall-record
//   Context: sidecall-record
//   Exten: record
//   Priority: 1
//   Variable: SIDECALL_SPY=<the operator's channel, e.g. PJSIP/101-0000000a>
//   Variable: SIDECALL_FILE=<relative file, e.g. sidecall/2026/01/15/1795334314.9-101.wav>
//   Async: true
//
// and Asterisk creates a Local channel pair (both halves get the variables:
// chan_local copies ;1's variables to ;2 when it calls it):
// - ;2 runs `<ext>@sidecall-record`: ChanSpy on the operator's channel, quiet
//   (q), leaving when that channel hangs up (E) or does not exist (S). ChanSpy
//   hears both directions of the spied channel and plays them into ;2, so they
//   come out of ;1.
//   https://docs.asterisk.org/Latest_API/API_Documentation/Dialplan_Applications/ChanSpy/
// - ;1 answers into `record@sidecall-record`: MixMonitor of what it hears (the
//   conversation), then waits; when the spy ends the pair hangs up and
//   MixMonitor closes the file.
//   https://docs.asterisk.org/Latest_API/API_Documentation/Dialplan_Applications/MixMonitor/
// Pause/resume is MixMonitorMute on ;1 and stop is a Hangup of ;1, both
// write=call (Sidecall learns ;1's name from the OriginateResponse).
//
// What the context checks, and why it widens nobody's powers: any AMI user with
// write=originate can already listen to any channel (Originate with
// Application ChanSpy needs no write=system), so the spy half only refuses
// names that are not a phone channel of the extension it was reached as. The
// record half is what is new: it writes a file, so the name must be relative
// (no leading "/"), without "..", and made of [0-9A-Za-z_./-] only.
// The checks use REGEX with bracket expressions only (no backslash escapes:
// Asterisk's argument splitter may strip backslashes before a function sees
// them), evaluated by Set so no "[" ends up inside a $[...] expression.
// https://docs.asterisk.org/Latest_API/API_Documentation/Dialplan_Functions/REGEX/
// IT may adapt the device pattern for other channel technologies.

/** The dialplan text for extensions.conf, with the context name of the setting `recording.dialplanContext`. */
export function recordingDialplan(context = 'sidecall-record'): string {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(context)) throw new Error(`Invalid dialplan context name ${JSON.stringify(context)}`);
  return `; Sidecall least-privilege recording: reached only through AMI Originate
; Channel: Local/<ext>@${context}, Exten: record (see Sidecall's deployment docs).
[${context}]
; ;2 half: listen to the operator's own channel, quietly, until it hangs up.
exten => _X.,1,NoOp(Sidecall recording: spy on \${SIDECALL_SPY} for \${EXTEN})
 same => n,Set(SIDECALL_OK=\${REGEX("^(PJSIP|SIP|IAX2)/\${EXTEN}-[0-9a-f]+$" \${SIDECALL_SPY})})
 same => n,GotoIf($["\${SIDECALL_OK}" = "1"]?spy)
 same => n,Hangup(21)
 same => n(spy),Answer()
 same => n,ChanSpy(\${SIDECALL_SPY},qES)
 same => n,Hangup()
; ;1 half: record what the spy hears into a relative file name.
exten => record,1,NoOp(Sidecall recording to \${SIDECALL_FILE})
 same => n,Set(SIDECALL_OK=\${REGEX("^[0-9A-Za-z_./-]+$" \${SIDECALL_FILE})})
 same => n,Set(SIDECALL_DOTS=\${REGEX("[.][.]" \${SIDECALL_FILE})})
 same => n,GotoIf($["\${SIDECALL_OK}" != "1" | "\${SIDECALL_DOTS}" = "1" | "\${SIDECALL_FILE:0:1}" = "/"]?refuse)
 same => n,Answer()
 same => n,MixMonitor(\${SIDECALL_FILE})
 same => n,Wait(14400)
 same => n,Hangup()
 same => n(refuse),Hangup(21)
`;
}

/** The snippet with the default context `sidecall-record`, as IT installs it. */
export const RECORDING_DIALPLAN: string = recordingDialplan();
