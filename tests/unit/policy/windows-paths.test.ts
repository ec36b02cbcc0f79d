// Where the Windows policy pieces are: the operator's environment cannot move
// reg.exe (no PATH search, SystemRoot believed only for another drive's
// \Windows holding reg.exe) nor the policy file (ProgramData from the
// registry's ProfileList, %SystemDrive% expanded from the system folder).
import { describe, expect, it } from 'vitest';
import type { RegRun } from '../../../src-main/adapters/policy/registry';
import { PROFILE_LIST_KEY, programDataFolder, readProgramDataFolder, windowsSystemRoot, windowsTools } from '../../../src-main/adapters/policy/windows-paths';

const files = (...present: string[]) => (f: string): boolean => present.some((p) => p.toLowerCase() === f.toLowerCase());

describe('windowsSystemRoot', () => {
  it('is C:\\Windows when it holds reg.exe, whatever SystemRoot and windir say', () => {
    const isFile = files('C:\\Windows\\System32\\reg.exe', 'D:\\Windows\\System32\\reg.exe', 'C:\\Users\\op\\fake\\System32\\reg.exe');
    expect(windowsSystemRoot({ SystemRoot: 'D:\\Windows', windir: 'C:\\Users\\op\\fake' }, isFile)).toBe('C:\\Windows');
    expect(windowsSystemRoot({}, isFile)).toBe('C:\\Windows');
  });

  it('believes SystemRoot/windir only for a drive root \\Windows that holds System32\\reg.exe', () => {
    const isFile = files('E:\\Windows\\System32\\reg.exe', 'C:\\Users\\op\\Windows\\System32\\reg.exe', 'F:\\tools\\System32\\reg.exe');
    expect(windowsSystemRoot({ SystemRoot: 'e:\\windows\\' }, isFile)).toBe('E:\\Windows');
    expect(windowsSystemRoot({ SystemRoot: 'C:\\Users\\op\\Windows', windir: 'E:\\Windows' }, isFile)).toBe('E:\\Windows');
    expect(windowsSystemRoot({ SystemRoot: 'F:\\tools' }, isFile)).toBe('C:\\Windows');
    expect(windowsSystemRoot({ SystemRoot: 'D:\\Windows' }, isFile)).toBe('C:\\Windows');
  });

  it('gives the tools by absolute path in System32', () => {
    expect(windowsTools('E:\\Windows')).toEqual({ cmd: 'E:\\Windows\\System32\\cmd.exe', reg: 'E:\\Windows\\System32\\reg.exe', chcp: 'E:\\Windows\\System32\\chcp.com' });
  });
});

const PROFILE_LIST = (data: string): string =>
  `\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\r\n    ProgramData    REG_EXPAND_SZ    ${data}\r\n\r\n`;

describe('programDataFolder', () => {
  it('expands %SystemDrive% from the system folder, not from the environment', () => {
    expect(programDataFolder(PROFILE_LIST('%SystemDrive%\\ProgramData'), 'C:\\Windows')).toBe('C:\\ProgramData');
    expect(programDataFolder(PROFILE_LIST('%SystemDrive%\\ProgramData'), 'E:\\Windows')).toBe('E:\\ProgramData');
    expect(programDataFolder(PROFILE_LIST('D:\\Shared Data\\'), 'C:\\Windows')).toBe('D:\\Shared Data');
  });

  it('falls back to <system drive>\\ProgramData for no value, other variables or a relative path', () => {
    expect(programDataFolder(undefined, 'C:\\Windows')).toBe('C:\\ProgramData');
    expect(programDataFolder('', 'E:\\Windows')).toBe('E:\\ProgramData');
    expect(programDataFolder(PROFILE_LIST('%USERPROFILE%\\pd'), 'C:\\Windows')).toBe('C:\\ProgramData');
    expect(programDataFolder(PROFILE_LIST('ProgramData'), 'C:\\Windows')).toBe('C:\\ProgramData');
  });

  it('reads the ProfileList value through reg.exe, a failed query falling back', () => {
    let asked: readonly string[] = [];
    const run = (stdout: string, status: number) => (args: readonly string[]): RegRun => {
      asked = args;
      return { status, stdout: new TextEncoder().encode(stdout), stderr: new Uint8Array(0) };
    };
    expect(readProgramDataFolder(run(PROFILE_LIST('D:\\PD'), 0), 'C:\\Windows')).toBe('D:\\PD');
    expect(asked).toEqual(['query', PROFILE_LIST_KEY, '/v', 'ProgramData', '/reg:64']);
    expect(readProgramDataFolder(run('', 1), 'E:\\Windows')).toBe('E:\\ProgramData');
  });
});
