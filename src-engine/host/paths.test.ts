import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from './paths.js';

describe('defaultDataDir', () => {
  it('matches Electron userData locations per OS', () => {
    expect(defaultDataDir({}, 'linux')).toBe(join(homedir(), '.config', 'KiteDesk'));
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/KiteDesk');
    expect(defaultDataDir({}, 'darwin')).toBe(join(homedir(), 'Library', 'Application Support', 'KiteDesk'));
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toBe(join('C:\\Users\\a\\AppData\\Roaming', 'KiteDesk'));
  });
});
