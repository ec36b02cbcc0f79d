// Reading a launch command line (our own, or a second instance's forwarded by
// the single-instance lock) for links the OS handed us. Parsing the links
// themselves (tel:, callto:, sip:) belongs to the protocol-handler work; this
// only finds the candidates, so that work starts from a tested seam.

const LINK_SCHEME = /^(?:tel|callto|sip|sips):/i;

/**
 * The link arguments of a command line: everything after `--` (how the
 * installers register the handler, so a link can never be read as a Chromium
 * switch), plus bare `tel:`-style arguments before it (how macOS and some Linux
 * desktops pass them). Anything starting with `-` before `--` is an option.
 */
export function linkArgs(argv: readonly string[]): string[] {
  const links: string[] = [];
  let afterSeparator = false;
  for (const arg of argv) {
    if (afterSeparator) {
      if (arg !== '') links.push(arg);
    } else if (arg === '--') {
      afterSeparator = true;
    } else if (!arg.startsWith('-') && LINK_SCHEME.test(arg)) {
      links.push(arg);
    }
  }
  return links;
}
