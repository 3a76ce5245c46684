import { createAgentTools } from './agent-tools';
import { createCalculatorTool } from './calculator.tool';
import { createCurrentTimeTool, describeTime } from './current-time.tool';
import type { KnowledgeSearchPort } from './knowledge-search.port';
import { createKnowledgeSearchTool } from './knowledge-search.tool';

describe('calculator tool', () => {
  const calculator = createCalculatorTool();

  it('returns the formatted result', async () => {
    await expect(calculator.invoke({ expression: '12 * (3 + 4)' })).resolves.toBe('84');
    await expect(calculator.invoke({ expression: '0.1 + 0.2' })).resolves.toBe('0.3');
  });

  it('fails on division by zero and on bad syntax', async () => {
    await expect(calculator.invoke({ expression: '1 / 0' })).rejects.toThrow('Division by zero');
    await expect(calculator.invoke({ expression: '2 +* 2' })).rejects.toThrow('Unexpected "*"');
  });

  it('rejects arguments that do not match its schema', async () => {
    await expect(calculator.invoke({ expression: '' })).rejects.toThrow(/schema/i);
  });
});

describe('current_time tool', () => {
  const winter = new Date('2025-01-02T12:45:00.000Z');
  const summer = new Date('2025-07-02T12:45:00.000Z');

  it('answers in UTC by default', async () => {
    const tool = createCurrentTimeTool(() => winter);
    expect(JSON.parse(await tool.invoke({}))).toEqual({
      timezone: 'UTC',
      local_time: '2025-01-02T12:45:00+00:00',
      utc_time: '2025-01-02T12:45:00.000Z',
      weekday: 'Thursday',
    });
  });

  it.each([
    ['Europe/Paris', winter, '2025-01-02T13:45:00+01:00'],
    ['Europe/Paris', summer, '2025-07-02T14:45:00+02:00'],
    ['Asia/Kolkata', winter, '2025-01-02T18:15:00+05:30'],
    ['America/New_York', winter, '2025-01-02T07:45:00-05:00'],
  ])('gives the wall clock of %s', (zone, now, local) => {
    expect(describeTime(now, zone)).toMatchObject({ timezone: zone, local_time: local });
  });

  it('reports an unknown time zone as an error', async () => {
    const tool = createCurrentTimeTool(() => winter);
    await expect(tool.invoke({ timezone: 'Mars/Olympus' })).rejects.toThrow(
      'Unknown time zone "Mars/Olympus"',
    );
  });
});

describe('search_knowledge_base tool', () => {
  const hit = { document_id: 'd1', title: 'Refunds', content: 'Within 30 days.', score: 0.9 };

  it('asks the port with the query, k (4 by default) and the run signal', async () => {
    const search = jest.fn<
      ReturnType<KnowledgeSearchPort['search']>,
      Parameters<KnowledgeSearchPort['search']>
    >();
    search.mockResolvedValue([hit]);
    const tool = createKnowledgeSearchTool({ search });
    const controller = new AbortController();

    const result = await tool.invoke({ query: 'refunds' }, { signal: controller.signal });

    expect(JSON.parse(result)).toEqual({ results: [hit] });
    expect(search).toHaveBeenCalledWith('refunds', 4, expect.any(AbortSignal));
    controller.abort();
    expect(search.mock.calls[0][2]?.aborted).toBe(true);
    await tool.invoke({ query: 'refunds', k: 2 });
    expect(search).toHaveBeenLastCalledWith('refunds', 2, undefined);
  });

  it('lets a failing search fail the call', async () => {
    const tool = createKnowledgeSearchTool({
      search: () => Promise.reject(new Error('index down')),
    });
    await expect(tool.invoke({ query: 'x' })).rejects.toThrow('index down');
  });
});

describe('createAgentTools', () => {
  it('offers the knowledge search only when a port is given', () => {
    expect(createAgentTools().map((t) => t.name)).toEqual([
      'calculator',
      'current_time',
      'set_reminder',
    ]);
    const withSearch = createAgentTools({ knowledge: { search: () => Promise.resolve([]) } });
    expect(withSearch.map((t) => t.name)).toEqual([
      'calculator',
      'current_time',
      'set_reminder',
      'search_knowledge_base',
    ]);
  });
});
