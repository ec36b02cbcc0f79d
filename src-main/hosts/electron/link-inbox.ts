// Where links from the OS wait and how duplicates are dropped, as pure logic.
// macOS delivers `open-url` as early as the app launches (before `ready`, so
// before the core exists), and Windows can hand the same link twice (in the
// cold-start argv and again through `second-instance`), so main.ts puts every
// link through one inbox: queued until the core is up, then delivered in
// order, the same link within a short window only once.

/** Where a link came from; logged (the link text never is: it is untrusted). */
export type LinkSource = 'argv' | 'second-instance' | 'open-url';

export interface InboxLink {
  readonly uri: string;
  readonly source: LinkSource;
}

export type InboxOutcome = 'delivered' | 'queued' | 'duplicate' | 'dropped';

export interface LinkInboxOptions {
  /** Milliseconds since some epoch; injected so tests drive time. */
  readonly now: () => number;
  /** The same link again within this many ms is dropped (default 1000). */
  readonly dedupeMs?: number;
  /** Links kept before the core is up (default 8); more are dropped, so a flood cannot pile up confirm cards. */
  readonly maxQueued?: number;
}

export interface LinkInbox {
  /** A link arrived. Before open(): queued; after: handed to the deliver function. */
  push(link: InboxLink): InboxOutcome;
  /** The core is up: delivers what was queued, in arrival order, then every later link at once. */
  open(deliver: (link: InboxLink) => void): void;
  /** Quit: nothing more is delivered. */
  close(): void;
}

/** How many recent links are remembered for dedupe; older ones are forgotten first (bounds memory under a flood). */
const MAX_REMEMBERED = 32;

export function createLinkInbox(opts: LinkInboxOptions): LinkInbox {
  const dedupeMs = opts.dedupeMs ?? 1000;
  const maxQueued = opts.maxQueued ?? 8;
  const queue: InboxLink[] = [];
  // Insertion-ordered: the first entries are the oldest, pruned from the front.
  const seen = new Map<string, number>();
  let deliver: ((link: InboxLink) => void) | undefined;
  let closed = false;

  const isDuplicate = (uri: string, at: number): boolean => {
    for (const [key, time] of seen) {
      if (at - time < dedupeMs && seen.size < MAX_REMEMBERED) break;
      seen.delete(key);
    }
    const last = seen.get(uri);
    if (last !== undefined && at - last < dedupeMs) return true;
    // Re-inserted so the map stays ordered by time.
    seen.delete(uri);
    seen.set(uri, at);
    return false;
  };

  return {
    push(link) {
      if (closed) return 'dropped';
      if (isDuplicate(link.uri, opts.now())) return 'duplicate';
      if (deliver) {
        deliver(link);
        return 'delivered';
      }
      if (queue.length >= maxQueued) return 'dropped';
      queue.push(link);
      return 'queued';
    },
    open(next) {
      if (closed || deliver) return;
      deliver = next;
      for (const link of queue.splice(0)) next(link);
    },
    close() {
      closed = true;
      deliver = undefined;
      queue.length = 0;
    },
  };
}
