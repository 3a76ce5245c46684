import { DEFAULT_AGENT_SETTINGS, resolveAgentSettings, resolveModelName } from './agent.settings';

describe('resolveAgentSettings', () => {
  it('fills in the defaults, the same as the environment schema', () => {
    expect(resolveAgentSettings()).toEqual({
      provider: 'local',
      timeoutMs: 60_000,
      maxHistoryTokens: 8000,
      maxModelCalls: 8,
      maxToolCalls: 16,
      localTokenDelayMs: 15,
    });
  });

  it('keeps given values and ignores undefined ones', () => {
    const settings = resolveAgentSettings({
      provider: 'openai',
      timeoutMs: undefined,
      maxToolCalls: 0,
    });
    expect(settings).toMatchObject({ provider: 'openai', timeoutMs: 60_000, maxToolCalls: 0 });
  });

  it('does not let callers change the shared defaults', () => {
    expect(Object.isFrozen(DEFAULT_AGENT_SETTINGS)).toBe(true);
  });
});

describe('resolveModelName', () => {
  it('uses the configured model, else the provider default', () => {
    expect(resolveModelName({ provider: 'openai', model: 'qwen2.5' })).toBe('qwen2.5');
    expect(resolveModelName({ provider: 'openai' })).toBe('gpt-4o-mini');
    expect(resolveModelName({ provider: 'local' })).toBe('local-echo');
  });
});
