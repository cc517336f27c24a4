import { describe, expect, it } from 'vitest';
import { Terminal, colourWanted, stripAnsi } from '../../src/cli/terminal.js';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
}

describe('colourWanted', () => {
  const tty = { isTTY: true, write: () => true };
  const pipe = { isTTY: false, write: () => true };
  it('colours a terminal and not a pipe', () => {
    expect(colourWanted(tty, { TERM: 'xterm-256color' })).toBe(true);
    expect(colourWanted(pipe, {})).toBe(false);
    expect(colourWanted(tty, { TERM: 'dumb' })).toBe(false);
  });
  it('lets NO_COLOR and --no-color win over everything, and FORCE_COLOR colour a pipe', () => {
    expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourWanted(tty, {}, true)).toBe(false);
    expect(colourWanted(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted(pipe, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourWanted(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});

describe('Terminal', () => {
  it('rewrites the live line in place on a terminal and clears it before a permanent line', () => {
    const out = capture(true);
    const term = Terminal.for(out.stream, { TERM: 'xterm' });
    term.live('5 s left');
    term.live('4 s left');
    term.line('done');
    expect(out.text()).toBe('\r\x1b[2K5 s left\r\x1b[2K4 s left\r\x1b[2Kdone\n');
  });
  it('prints only the plain lines the caller chose when piped, without escape codes', () => {
    const out = capture(false);
    const term = Terminal.for(out.stream, {});
    term.live(term.style('dim', '5 s left'), 'waiting 5 s');
    term.live('4 s left');
    term.line(term.style('green', 'done'));
    expect(out.text()).toBe('waiting 5 s\ndone\n');
  });
  it('styles only when colouring', () => {
    const coloured = new Terminal({ write: () => true }, true, false);
    expect(coloured.style('red', 'x')).toBe('\x1b[31mx\x1b[39m');
    expect(stripAnsi(coloured.style('bold', coloured.style('red', 'x')))).toBe('x');
    expect(new Terminal({ write: () => true }, false, false).style('red', 'x')).toBe('x');
  });
});
