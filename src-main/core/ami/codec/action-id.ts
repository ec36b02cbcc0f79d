// ActionIDs correlate replies with actions, so they must be unique per
// connection. A counter, not the clock: asterisk-ami-client derives them from
// Date.now() and three actions sent in the same millisecond shared one id.

/** Hands out `<prefix><n>` with n counting up from 1; one generator per connection. */
export class ActionIdGenerator {
  readonly #prefix: string;
  #next = 1;

  constructor(prefix = 'sc-') {
    this.#prefix = prefix;
  }

  /** A fresh id, never returned before by this generator. */
  next(): string {
    const id = this.#next;
    this.#next += 1;
    return `${this.#prefix}${id.toString(36)}`;
  }
}
