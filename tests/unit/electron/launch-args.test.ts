// Finding the links in a launch command line (first launch or second instance).
import { describe, expect, it } from 'vitest';
import { linkArgs } from '../../../src-main/hosts/electron/launch-args';

describe('linkArgs', () => {
  it('takes everything after --, as the installers register it', () => {
    expect(linkArgs(['/opt/Sidecall/sidecall', '--', 'tel:+74951234567'])).toEqual(['tel:+74951234567']);
    // After `--` even a switch-looking argument is data, never a Chromium switch.
    expect(linkArgs(['sidecall', '--', '--inspect=9229'])).toEqual(['--inspect=9229']);
  });

  it('takes bare tel:/callto:/sip: arguments before --', () => {
    expect(linkArgs(['Sidecall', 'callto:101', 'SIP:op@pbx.example.com', 'sips:x@y'])).toEqual(['callto:101', 'SIP:op@pbx.example.com', 'sips:x@y']);
  });

  it('ignores options, the executable, the app path and other arguments', () => {
    expect(linkArgs(['electron', '/work/main', '--data-dir', '/tmp/x', '--original-process-start-time=1', 'https://x.example/'])).toEqual([]);
    expect(linkArgs(['electron', '--tel:123'])).toEqual([]);
    expect(linkArgs([])).toEqual([]);
  });
});
