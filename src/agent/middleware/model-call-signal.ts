import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { mergeConfigs, RunnableBinding } from '@langchain/core/runnables';
import type { ModelRequest } from 'langchain';

type AgentModel = ModelRequest['model'];

function isChatModel(model: unknown): model is BaseChatModel {
  return (
    typeof model === 'object' &&
    model !== null &&
    typeof (model as { bindTools?: unknown }).bindTools === 'function' &&
    typeof (model as { invoke?: unknown }).invoke === 'function'
  );
}

/**
 * Gives one model call its own AbortSignal, combined with the run's. LangChain merges the signals
 * of a `RunnableBinding`'s config with the caller's (`AbortSignal.any`), and the agent re-binds
 * tools onto such a binding, so the signal reaches the provider's HTTP request. `withConfig` is
 * not used because `ChatOpenAI.withConfig` stores it as default call options, which the agent's
 * own signal then overrides.
 */
export function withCallSignal(model: AgentModel, signal: AbortSignal): AgentModel {
  if (RunnableBinding.isRunnableBinding(model) && isChatModel(model.bound)) {
    return new RunnableBinding({
      bound: model.bound,
      kwargs: model.kwargs ?? {},
      config: mergeConfigs(model.config, { signal }),
      configFactories: model.configFactories,
    });
  }
  if (isChatModel(model)) {
    return new RunnableBinding({ bound: model, kwargs: {}, config: { signal } });
  }
  // Any other model still stops waiting at the deadline (see the guard), it just is not told.
  return model;
}
