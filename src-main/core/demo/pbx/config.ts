// Configuration of the demo PBX: endpoints (phones and a trunk), queues,
// parking, the dialplan text and the knobs that change what Asterisk version
// it imitates. `labConfig()` reproduces the lab that recorded
// shared/reference/ami-traces (asterisk-etc/), widened to any 3-digit extension.

export type AnswerMode = 'auto' | 'manual' | 'reject' | 'busy';

export interface EndpointConfig {
  /** PJSIP endpoint name: "101", "trunk". */
  readonly id: string;
  /** callerid number; defaults to the id. */
  readonly callerNum?: string;
  /** callerid name; defaults to "Operator <id>". */
  readonly callerName?: string;
  /** Context for calls from this endpoint (pjsip.conf `context`). */
  readonly context?: string;
  /** Whether a contact is registered; unregistered endpoints cannot be called. */
  readonly registered?: boolean;
  /** device_state_busy_at: channel count at which the device shows BUSY (0 = never). */
  readonly busyAt?: number;
  /** What the phone does when called. */
  readonly answer?: AnswerMode;
  /** Delay from ringing to answer when answer is "auto". */
  readonly answerAfterMs?: number;
  /** A trunk: dialled as PJSIP/<number>@<id>, answers like a far-end PSTN party. */
  readonly trunk?: boolean;
}

export interface QueueMemberConfig {
  readonly interface: string;
  readonly memberName: string;
  readonly stateInterface?: string;
  readonly penalty?: number;
}

export interface QueueConfig {
  readonly name: string;
  readonly members: readonly QueueMemberConfig[];
}

export interface PbxConfig {
  /** extensions.conf text. */
  readonly dialplan: string;
  readonly endpoints: readonly EndpointConfig[];
  readonly queues: readonly QueueConfig[];
  readonly parking: { readonly lot: string; readonly start: number; readonly stop: number; readonly timeoutSec: number };
  /** Imitated Asterisk version; decides the Command output form and AMI version. */
  readonly asteriskVersion: string;
  readonly systemName: string;
  readonly cel: { readonly enabled: boolean; readonly apps: readonly string[] };
  readonly cdr: boolean;
  /** RTCPSent/RTCPReceived period per answered PJSIP channel; 0 disables them. */
  readonly rtcpIntervalMs: number;
  /** Playback lengths of the sounds the dialplan uses. */
  readonly soundDurationsMs: Readonly<Record<string, number>>;
  readonly monitorDir: string;
  /** manager.conf channelvars, printed as ChanVariable headers. */
  readonly channelVars: readonly string[];
}

/** The lab dialplan of the recorded traces; `_1XX`/`_2XX` widened to `_XXX` so any operator works. */
export const LAB_DIALPLAN = `
[general]
static = yes
writeprotect = no
clearglobalvars = no

[globals]
RING_TIMEOUT = 20
OUTSIDE_MODE = local
OUTSIDE_HOLD = 30
RECORD_ALL = 0

[sub-record]
exten => s,1,GotoIf($["\${RECORD}" = "1" | "\${RECORD_ALL}" = "1"]?rec)
 same => n,Return()
 same => n(rec),Set(MONFILE=\${STRFTIME(\${EPOCH},,%Y%m%d-%H%M%S)}-\${CALLERID(num)}-\${ARG1}-\${UNIQUEID}.wav)
 same => n,MixMonitor(\${MONFILE},b)
 same => n,Return()

[from-internal]
include => parkedcalls
exten => _XXX,1,NoOp(Internal call \${CALLERID(all)} -> \${EXTEN})
 same => n,Gosub(sub-record,s,1(\${EXTEN}))
 same => n,Dial(PJSIP/\${EXTEN},\${RING_TIMEOUT},tT)
 same => n,Hangup()
exten => sales,1,Goto(queue-sales,s,1)
exten => _XXXX.,1,NoOp(Outbound call \${CALLERID(all)} -> external \${EXTEN} (mode \${OUTSIDE_MODE}))
 same => n,Gosub(sub-record,s,1(\${EXTEN}))
 same => n,GotoIf($["\${OUTSIDE_MODE}" = "trunk"]?trunk)
 same => n,Dial(Local/\${EXTEN}@outside-world,60,T)
 same => n,Hangup()
 same => n(trunk),Dial(PJSIP/\${EXTEN}@trunk,60,T)
 same => n,Hangup()
exten => 600,1,Answer()
 same => n,Playback(demo-echotest)
 same => n,Echo()
 same => n,Hangup()
exten => 601,1,Answer()
 same => n,Playback(demo-congrats)
 same => n,Hangup()

[outside-world]
exten => _X.,1,NoOp(Outside world: \${EXTEN} answering)
 same => n,Answer()
 same => n,Set(TIMEOUT(absolute)=\${OUTSIDE_HOLD})
 same => n,Playback(demo-congrats)
 same => n,Echo()
 same => n,Hangup()
exten => T,1,Hangup()

[from-external]
exten => 74950000002,1,Goto(queue-sales,s,1)
exten => sales,1,Goto(queue-sales,s,1)
exten => _XXX,1,NoOp(Inbound DID \${EXTEN} from \${CALLERID(all)} -> \${EXTEN})
 same => n,Gosub(sub-record,s,1(\${EXTEN}))
 same => n,Dial(PJSIP/\${EXTEN},\${RING_TIMEOUT},t)
 same => n,NoOp(DIALSTATUS=\${DIALSTATUS})
 same => n,Hangup()
exten => _X.,1,NoOp(Inbound DID \${EXTEN} from \${CALLERID(all)} -> 101)
 same => n,Gosub(sub-record,s,1(101))
 same => n,Dial(PJSIP/101,\${RING_TIMEOUT},t)
 same => n,NoOp(DIALSTATUS=\${DIALSTATUS})
 same => n,Hangup()

[queue-sales]
exten => s,1,NoOp(Queue sales for \${CALLERID(all)})
 same => n,Answer()
 same => n,Queue(sales,t,,,60)
 same => n,NoOp(QUEUESTATUS=\${QUEUESTATUS})
 same => n,Hangup()

[inbound-sim]
exten => _XXX,1,NoOp(SIM inbound \${CALLERID(all)} -> extension \${EXTEN})
 same => n,Gosub(sub-record,s,1(\${EXTEN}))
 same => n,Dial(PJSIP/\${EXTEN},\${RING_TIMEOUT},t)
 same => n,NoOp(DIALSTATUS=\${DIALSTATUS})
 same => n,Hangup()
exten => sales,1,Goto(from-external,sales,1)
exten => _XXXX.,1,Goto(from-external,\${EXTEN},1)

[sim-caller]
exten => s,1,NoOp(External caller \${CALLERID(num)} connected)
 same => n,Wait(\${IF($["\${SIM_HOLD}" = ""]?3600:\${SIM_HOLD})})
 same => n,Hangup()

[transfer]
include => parkedcalls
exten => _XXX,1,NoOp(Transfer of \${CALLERID(all)} to \${EXTEN})
 same => n,Dial(PJSIP/\${EXTEN},\${RING_TIMEOUT},t)
 same => n,Hangup()
exten => sales,1,Goto(queue-sales,s,1)
exten => _XXXX.,1,Goto(from-internal,\${EXTEN},1)

[parkedcalls]
`;

/** Operator endpoints 101..103 and 201, the trunk, queue "sales" with 101 and 102: the recorded lab. */
export function labConfig(overrides: Partial<PbxConfig> = {}): PbxConfig {
  return {
    dialplan: LAB_DIALPLAN,
    endpoints: [
      { id: '101' },
      { id: '102' },
      // 103 exists but has no registered phone (trace i: Originate fails).
      { id: '103', registered: false },
      { id: '201', callerName: 'WebRTC 201', busyAt: 0, registered: false },
      { id: 'trunk', trunk: true, context: 'from-external', busyAt: 0 },
    ],
    queues: [
      {
        name: 'sales',
        members: [
          { interface: 'PJSIP/101', memberName: 'Operator 101' },
          { interface: 'PJSIP/102', memberName: 'Operator 102' },
        ],
      },
    ],
    parking: { lot: 'default', start: 701, stop: 720, timeoutSec: 120 },
    asteriskVersion: '22.10.1',
    systemName: '',
    cel: { enabled: true, apps: ['dial', 'park', 'queue', 'mixmonitor'] },
    cdr: true,
    rtcpIntervalMs: 5000,
    soundDurationsMs: { 'demo-congrats': 12_000, 'demo-echotest': 8_000 },
    monitorDir: '/var/spool/asterisk/monitor',
    channelVars: [],
    ...overrides,
  };
}

/** Operator endpoints for a range of extensions, e.g. 101..400 for a load test. */
export function operatorEndpoints(first: number, last: number, extra: Partial<EndpointConfig> = {}): EndpointConfig[] {
  const out: EndpointConfig[] = [];
  for (let n = first; n <= last; n++) out.push({ id: String(n), ...extra });
  return out;
}

/** AMI protocol version Asterisk reports for a given release (greeting and CoreSettings). */
export function amiVersionFor(asteriskVersion: string): string {
  const major = Number(asteriskVersion.split('.')[0]);
  const table: Readonly<Record<number, string>> = { 13: '2.10.6', 14: '3.2.0', 15: '4.1.0', 16: '5.0.4', 17: '6.0.0', 18: '7.0.3', 19: '8.0.0', 20: '9.0.0', 21: '10.0.0', 22: '11.0.0', 23: '12.0.0' };
  return table[major] ?? '11.0.0';
}
