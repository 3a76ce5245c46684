import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { RunnableLambda, type RunnableConfig } from '@langchain/core/runnables';
import { getContextVariable, setContextVariable } from '@langchain/core/context';
import * as langsmith from 'langsmith';
import { traceable } from 'langsmith/traceable';
import { skipRunTreesWhenUntraced } from './untraced-runnables';

/** Counts the run trees built with the arguments `@langchain/core` uses to carry a config. */
function countConfigCarriers(): { count: () => number; restore: () => void } {
  const exports = langsmith as unknown as Record<string, unknown>;
  const descriptor = Object.getOwnPropertyDescriptor(exports, 'RunTree')!;
  const underlying = exports.RunTree as typeof langsmith.RunTree;
  let built = 0;
  const counting = new Proxy(underlying, {
    construct(target, args: unknown[], newTarget) {
      const made = Reflect.construct(target, args, newTarget) as object;
      if (made instanceof underlying) built++;
      return made;
    },
  });
  Object.defineProperty(exports, 'RunTree', { configurable: true, get: () => counting });
  return {
    count: () => built,
    restore: () => Object.defineProperty(exports, 'RunTree', descriptor),
  };
}

/** A chain of runnables, nested the way a graph step nests them, that reports what it sees. */
async function invokeNested(): Promise<{ tag: unknown; variable: unknown; callbacks: number }> {
  let callbacks = 0;
  const counter = BaseCallbackHandler.fromMethods({
    handleChainStart() {
      callbacks++;
    },
  });
  let seen: { tag: unknown; variable: unknown } = { tag: undefined, variable: undefined };
  const inner = RunnableLambda.from((input: number, config?: RunnableConfig) => {
    seen = { tag: config?.metadata?.tag, variable: getContextVariable('who') };
    return input + 1;
  });
  const outer = RunnableLambda.from(async (input: number) => {
    setContextVariable('who', 'outer');
    return inner.invoke(input);
  });
  const result = await outer.invoke(1, { metadata: { tag: 'kept' }, callbacks: [counter] });
  expect(result).toBe(2);
  return { ...seen, callbacks };
}

describe('skipRunTreesWhenUntraced', () => {
  it('keeps the run trees when tracing is on', () => {
    const before = (langsmith as unknown as Record<string, unknown>).RunTree;
    expect(skipRunTreesWhenUntraced({ LANGSMITH_TRACING: 'true' })).toBe(false);
    expect((langsmith as unknown as Record<string, unknown>).RunTree).toBe(before);
  });

  it('builds no run tree for the config a runnable carries, and nothing else changes', async () => {
    const probe = countConfigCarriers();
    try {
      const traced = await invokeNested();
      const builtWithTrees = probe.count();
      expect(builtWithTrees).toBeGreaterThan(0);

      expect(skipRunTreesWhenUntraced({})).toBe(true);
      const untraced = await invokeNested();
      // The config, the context variables and the callbacks reach the inner runnable as before.
      expect(untraced).toEqual(traced);
      expect(untraced).toEqual({ tag: 'kept', variable: 'outer', callbacks: 2 });
      expect(probe.count()).toBe(builtWithTrees);
    } finally {
      probe.restore();
    }
  });

  it('still builds every other run tree, statics included', () => {
    skipRunTreesWhenUntraced({});
    const RunTree = (langsmith as unknown as { RunTree: typeof langsmith.RunTree }).RunTree;
    const tree = new RunTree({ name: 'a traced step', tracingEnabled: false });
    expect(tree).toBeInstanceOf(RunTree);
    expect(tree.name).toBe('a traced step');
    expect(typeof RunTree.fromRunnableConfig).toBe('function');
    // A second call leaves the one replacement in place.
    expect(skipRunTreesWhenUntraced({})).toBe(true);
    expect((langsmith as unknown as { RunTree: unknown }).RunTree).toBe(RunTree);
  });

  it('lets a LangSmith traceable run inside a runnable, untraced', async () => {
    skipRunTreesWhenUntraced({});
    const double = traceable((x: number) => x * 2, { name: 'double' });
    const outer = RunnableLambda.from((x: number) => double(x));
    await expect(outer.invoke(21)).resolves.toBe(42);
  });
});
