import { readStreamConfig } from '../config/stream.config';
import { DEFAULT_STREAM_SETTINGS, resolveStreamSettings } from './stream-settings';

describe('resolveStreamSettings', () => {
  it("uses the contract defaults, the config schema's", () => {
    expect(resolveStreamSettings()).toEqual({
      heartbeatMs: 15000,
      flushIntervalMs: 0,
      maxBufferBytes: 1048576,
      maxConnections: 10000,
      maxPerUser: 20,
    });
    expect(resolveStreamSettings()).toEqual(DEFAULT_STREAM_SETTINGS);
    expect(resolveStreamSettings(readStreamConfig({}))).toEqual(DEFAULT_STREAM_SETTINGS);
  });

  it('takes given values and ignores undefined ones', () => {
    expect(resolveStreamSettings({ heartbeatMs: 0, maxConnections: undefined })).toEqual({
      ...DEFAULT_STREAM_SETTINGS,
      heartbeatMs: 0,
    });
  });

  it('keeps only the known fields of a wider config object', () => {
    const config = { ...DEFAULT_STREAM_SETTINGS, maxConnections: 5, onDisconnect: 'continue' };
    expect(resolveStreamSettings(config)).toEqual({
      ...DEFAULT_STREAM_SETTINGS,
      maxConnections: 5,
    });
  });
});
