import * as langsmith from 'langsmith';

/** The name `@langchain/core` gives the RunTree it builds only to carry a runnable's config. */
const CONFIG_CARRIER_NAME = '<runnable_lambda>';

/** What turns LangChain's tracing on (`isTracingEnabled` in @langchain/core's utils/callbacks). */
const TRACING_VARIABLES = [
  'LANGSMITH_TRACING_V2',
  'LANGCHAIN_TRACING_V2',
  'LANGSMITH_TRACING',
  'LANGCHAIN_TRACING',
];

/** Marks the export once replaced, so that a second call (tests, several runners) is a no-op. */
const REPLACED = Symbol.for('agent-server.untraced-run-tree');

type RunTreeClass = typeof langsmith.RunTree;
type RunTreeConfig = ConstructorParameters<RunTreeClass>[0];

/**
 * What carries a runnable's config in AsyncLocalStorage instead of a LangSmith run tree. It is
 * still a run tree to `isRunTree` (it has `createChild` and `postRun`), so code that meets it
 * there behaves as with the run tree it replaces: `setContextVariable` clones it with its `extra`,
 * and a LangSmith `traceable` gets a child of an untraced root.
 */
class UntracedConfigCarrier {
  readonly name = CONFIG_CARRIER_NAME;
  readonly tracingEnabled = false;
  extra?: Record<PropertyKey, unknown>;

  constructor(private readonly RunTree: RunTreeClass) {
    // Not an own enumerable field: a clone (`new RunTree(carrier)`) copies own fields only.
    Object.defineProperty(this, 'RunTree', { enumerable: false });
  }

  /** A child of the root run tree this stands for, built only now. */
  createChild(config: RunTreeConfig): langsmith.RunTree {
    const root = new this.RunTree({
      name: this.name,
      tracingEnabled: false,
      extra: this.extra,
    });
    return root.createChild(config);
  }

  /** Nothing is sent with tracing off, as with the run tree it replaces. */
  postRun(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Stops LangChain from building a LangSmith `RunTree` for every runnable it invokes when tracing is
 * off. `@langchain/core`'s `runWithConfig` (async_local_storage/index) keeps the runnable's config
 * in AsyncLocalStorage inside `new RunTree({ name: '<runnable_lambda>', tracingEnabled: false })`:
 * a run tree that is never sent, whose constructor defines ~30 properties and draws a UUIDv7 from
 * `crypto.getRandomValues`. A graph step invokes several runnables, so an agent run builds dozens;
 * the profile of a short run put the constructor at 5–11% of the server's CPU (docs/PERFORMANCE.md,
 * "Figures behind design choices").
 *
 * With tracing off, what the store must carry is only `extra[LC_CHILD_KEY]` (read back by
 * `getRunnableConfig`) and the context variables, which a light object carries as well. So the
 * `RunTree` export of `langsmith` that `@langchain/core` reads at call time is replaced by a proxy
 * that answers exactly that construction with an {@link UntracedConfigCarrier} and builds a real
 * run tree for every other one (statics and `instanceof` keep working through the proxy).
 *
 * Nothing changes when tracing is on (`LANGSMITH_TRACING` and its aliases): LangChain then takes
 * its tracer's run trees, and this returns without replacing anything.
 * @returns whether run trees are now skipped
 */
export function skipRunTreesWhenUntraced(env: NodeJS.ProcessEnv = process.env): boolean {
  if (TRACING_VARIABLES.some((name) => env[name] === 'true')) return false;
  const exports = langsmith as unknown as Record<PropertyKey, unknown>;
  const current = exports.RunTree as (typeof langsmith.RunTree & { [REPLACED]?: true }) | undefined;
  if (!current || current[REPLACED]) return true;
  const descriptor = Object.getOwnPropertyDescriptor(exports, 'RunTree');
  // An export that cannot be redefined (another build of langsmith): keep the run trees.
  if (!descriptor?.configurable) return false;
  const untraced = new Proxy(current, {
    construct(target, args: unknown[], newTarget) {
      const config = args[0] as { name?: unknown; tracingEnabled?: unknown } | undefined;
      if (config?.tracingEnabled === false && config.name === CONFIG_CARRIER_NAME) {
        return new UntracedConfigCarrier(target);
      }
      return Reflect.construct(target, args, newTarget) as object;
    },
    get(target, property, receiver) {
      if (property === REPLACED) return true;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  Object.defineProperty(exports, 'RunTree', {
    configurable: true,
    enumerable: descriptor.enumerable,
    get: () => untraced,
  });
  return true;
}
