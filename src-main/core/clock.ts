// The real Clock: wall time and Node/Electron timers, unref'd so a pending
// retry never keeps the process alive on its own.
import type { Clock, TimerHandle } from '../ports';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms): TimerHandle {
    const t = setTimeout(fn, ms);
    if (typeof t === 'object' && t !== null && 'unref' in t) t.unref();
    return { id: t };
  },
  clearTimeout(handle) {
    clearTimeout(handle.id as ReturnType<typeof setTimeout>);
  },
};
